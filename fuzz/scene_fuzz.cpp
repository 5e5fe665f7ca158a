// libFuzzer target for scene files: whatever the bytes, parse_scene() returns a Scene or throws
// SceneError, and a pixel of any scene it accepts renders. Any other exception, a crash, a hang
// (-timeout) or an allocation past -rss_limit_mb is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"
#include "pygmy/scene_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const pygmy::Scene scene = pygmy::parse_scene(text, "fuzz.json");
    static_cast<void>(pygmy::trace_pixel(scene, scene.width / 2, scene.height / 2));
  } catch (const pygmy::SceneError&) {
    // A refused scene: the expected outcome for almost every input.
  }
  return 0;
}
