// What the pygmy subcommands share on their command lines: exit statuses, checks of option
// values, and the scene an invocation names.
#include "command_line.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "build_info.hpp"
#include "pygmy/scene_file.hpp"
#include "pygmy/schedulers.hpp"

namespace pygmy::app {

std::optional<std::pair<int, int>> parse_size(const std::string& text) {
  int width = 0;
  int height = 0;
  char x = 0;
  std::istringstream in(text);
  if (!(in >> width >> x >> height) || (x != 'x' && x != 'X') || !in.eof() || width < 1 ||
      height < 1 || width > kMaxImageSide || height > kMaxImageSide) {
    return std::nullopt;
  }
  return std::pair(width, height);
}

std::string size_problem(const std::string& text) {
  if (!parse_size(text)) {
    return "expected WIDTHxHEIGHT, each from 1 to " + std::to_string(kMaxImageSide) + ", got '" +
           text + "'";
  }
  return "";
}

std::string scheduler_problem(const std::string& text) {
  try {
    static_cast<void>(schedulers::scheduler_named(text));
    return "";
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
}

std::string seed_problem(const std::string& text) {
  const std::string largest = std::to_string(std::numeric_limits<std::uint64_t>::max());
  const std::size_t first = std::min(text.find_first_not_of('0'), text.size());
  const std::string digits = text.substr(first);
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
      digits.size() > largest.size() || (digits.size() == largest.size() && digits > largest)) {
    return "expected an integer from 0 to " + largest + ", got '" + text + "'";
  }
  return "";
}

std::string without_leading_zeros(const std::string& text) {
  const std::size_t first = text.find_first_not_of('0');
  return first == std::string::npos ? "0" : text.substr(first);
}

CLI::Validator decimal() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
          return "expected a whole number in decimal digits, got '" + text + "'";
        }
        text = without_leading_zeros(text);
        return "";
      },
      "", "DECIMAL");
}

std::string seconds_problem(const std::string& text) {
  // from_chars reads decimal numbers only: no hexadecimal, no sign, no spaces.
  double seconds = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size() ||
      !std::isfinite(seconds) || seconds <= 0) {
    return "expected a number of seconds above 0, such as 30 or 2.5, got '" + text + "'";
  }
  return "";
}

std::string output_problem(const std::string& text) {
  const std::filesystem::path path(text);
  std::error_code ignored;
  if (text.empty() || !path.has_filename() || path.filename() == "." || path.filename() == ".." ||
      std::filesystem::is_directory(path, ignored)) {
    return "expected the name of a file to write, not a directory, got '" + text + "'";
  }
  return "";
}

ImageFileOptions add_image_file_options(CLI::App& command, std::string& output, std::string& format,
                                        std::string& compression, int& bits) {
  ImageFileOptions added;
  added.output =
      command
          .add_option("-o,--output", output,
                      "Image file to write: .tif or .tiff for TIFF, .png for PNG; - for "
                      "standard output (a pipe), in the format --format names, TIFF by default")
          ->capture_default_str()
          ->check(image_output_problem);
  added.format =
      command
          .add_option("--format", format,
                      "The image's format: tiff or png (default: the one -o's extension names; "
                      "TIFF for a name without one, such as a device, a FIFO or -)")
          ->check(CLI::IsMember({"tiff", "png"}));
  added.compression =
      command.add_option("--compression", compression, "TIFF compression (PNG has its own)")
          ->capture_default_str()
          ->check(CLI::IsMember({"none", "deflate", "lzw"}));
  added.bits = command.add_option("--bits", bits, "Bits per sample (TIFF or PNG)")
                   ->capture_default_str()
                   ->check(CLI::IsMember({8, 16}))
                   ->transform(decimal());
  return added;
}

std::string image_output_problem(const std::string& text) {
  if (text == "-") {
    return "";
  }
  if (std::string problem = output_problem(text); !problem.empty()) {
    return problem;
  }
  try {
    static_cast<void>(format_of_name(text));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

ImageFormat image_format_for(const std::string& file, const std::string& format,
                             const std::string& compression) {
  const std::optional<ImageFormat> named = format_of_name(file);
  const ImageFormat chosen = format.empty()    ? named.value_or(ImageFormat::tiff)
                             : format == "png" ? ImageFormat::png
                                               : ImageFormat::tiff;
  if (named && *named != chosen) {
    throw UsageError("--format " + format + ": '" + file + "' is named as a " +
                     (*named == ImageFormat::png ? "PNG" : "TIFF") + " file");
  }
  if (chosen == ImageFormat::png && compression != "none") {
    throw UsageError("--compression " + compression +
                     ": a TIFF's; a PNG is always compressed (deflate)");
  }
  return chosen;
}

void check_standard_output(const std::string& option, const std::string& output) {
  if (output == "-" && ::isatty(STDOUT_FILENO) == 1) {
    throw UsageError(option + " -: standard output is a terminal; redirect it to a file or a pipe");
  }
}

namespace {

// The scene JSON on standard input: read no further than parse_scene() takes.
std::string standard_input_text() {
  std::string text;
  std::vector<char> buffer(std::size_t{1} << 16);
  while (text.size() <= kMaxSceneFileBytes) {
    const ssize_t got = ::read(STDIN_FILENO, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      throw std::system_error(errno, std::generic_category(), "stdin: cannot read the scene");
    }
    if (got == 0) break;
    text.append(buffer.data(), static_cast<std::size_t>(got));
  }
  return text;
}

}  // namespace

std::filesystem::path scene_path(const std::string& scene_file) {
  namespace fs = std::filesystem;
  std::error_code ignored;
  if (scene_file.empty() || scene_file.find('/') != std::string::npos ||
      fs::exists(fs::symlink_status(scene_file, ignored))) {
    return scene_file;
  }
  const std::string name =
      fs::path(scene_file).extension() == ".json" ? scene_file : scene_file + ".json";
  const fs::path bundled = installed_scenes() / name;
  return fs::is_regular_file(bundled, ignored) ? bundled : fs::path(scene_file);
}

Scene scene_for(const std::string& scene_file, const std::string& size) {
  Scene scene = scene_file.empty()  ? builtin_scene()
                : scene_file == "-" ? parse_scene(standard_input_text(), "stdin")
                                    : load_scene(scene_path(scene_file));
  if (!size.empty()) {
    const auto [width, height] = parse_size(size).value();
    scene = with_size(std::move(scene), width, height);
  }
  return scene;
}

TiffOptions::Compression compression_named(const std::string& name) {
  if (name == "deflate") {
    return TiffOptions::Compression::deflate;
  }
  if (name == "lzw") {
    return TiffOptions::Compression::lzw;
  }
  return TiffOptions::Compression::none;
}

std::string count_of(std::size_t count, const std::string& one, const std::string& many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

}  // namespace pygmy::app
