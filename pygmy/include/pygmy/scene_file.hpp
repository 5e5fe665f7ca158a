// Reading scenes from JSON files (format in scenes/README.md), with errors that say where and why.
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include "pygmy/scene.hpp"

namespace pygmy {

// The largest scene file, in bytes, load_scene() reads and parse_scene() parses: 16 MiB. The
// bundled scenes take a few kilobytes; 16 MiB holds a quarter of a million spheres, and keeps the
// memory a parse can take under a gibibyte even for JSON chosen to cost the most.
//   bool fits = std::filesystem::file_size(file) <= kMaxSceneFileBytes;
inline constexpr std::size_t kMaxSceneFileBytes = std::size_t{16} << 20;

// A scene file that cannot be used. The message is "<file>:<place>: <what was expected>", the
// place being a JSON pointer (/objects/3/radius) or, for malformed JSON, line:column.
//   try { load_scene("bad.json"); } catch (const SceneError& e) { std::cerr << e.what(); }
//   // bad.json:/objects/3/radius: expected a positive number, got -2
class SceneError : public std::runtime_error {
 public:
  // An error about `place` in `source`.
  //   throw SceneError("scene.json", "/image/width", "expected a positive integer, got 0");
  //   throw SceneError("scene.json", "3:14", "expected valid JSON: missing comma");
  SceneError(std::string_view source, std::string_view place, std::string_view expected);
};

// Reads and validates the scene in `file`; its stem becomes the scene's name. Throws SceneError
// (also when the file cannot be read, or holds more than kMaxSceneFileBytes: a regular file is
// measured before it is read, anything else, a device or a FIFO, is read no further).
//   Scene scene = load_scene("scenes/pygmy.json");
//   Image image = render_sequential(scene);
[[nodiscard]] Scene load_scene(const std::filesystem::path& file);

// The text of the scene file `file`, read as load_scene() reads it, with the same errors but
// not parsed: what a render spread over machines sends to those that have no copy of the file.
//   std::string text = read_scene_text("scenes/pygmy.json");
//   Scene scene = parse_scene(text, "scenes/pygmy.json");  // what load_scene() returns
[[nodiscard]] std::string read_scene_text(const std::filesystem::path& file);

// Parses and validates scene JSON; `source_name` names it in errors and its stem names the scene.
// Unknown keys, missing fields, wrong types, impossible values and text longer than
// kMaxSceneFileBytes all throw SceneError.
//   Scene scene = parse_scene(R"({"image": {"width": 4, ...}})", "inline.json");
//   bool small = scene.width == 4;
[[nodiscard]] Scene parse_scene(std::string_view json_text, std::string_view source_name);

}  // namespace pygmy
