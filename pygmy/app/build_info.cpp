// What the command knows of its own build: its version, the commit it was built from, and where
// its scene files are installed.
#include "build_info.hpp"

#include <system_error>

#include "pygmy_commit.hpp"  // generated at build time: PYGMY_COMMIT

namespace pygmy::app {

std::string_view version() { return PYGMY_VERSION; }

std::string_view commit() { return PYGMY_COMMIT; }

std::string software() {
  std::string text = "pygmy ";
  text.append(version()).append(" (commit ").append(commit()).append(")");
  return text;
}

std::filesystem::path scenes_beside(const std::filesystem::path& executable,
                                    const std::filesystem::path& to_scenes,
                                    const std::filesystem::path& configured) {
  const std::filesystem::path beside = (executable.parent_path() / to_scenes).lexically_normal();
  std::error_code ignored;
  if (!executable.empty() && std::filesystem::is_regular_file(beside / "README.md", ignored)) {
    return beside;
  }
  return configured;
}

std::filesystem::path installed_scenes() {
  std::error_code unknown;
  const std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", unknown);
  return scenes_beside(unknown ? std::filesystem::path() : executable, PYGMY_BIN_TO_SCENES,
                       PYGMY_SCENES_INSTALLED);
}

std::string scenes_note() {
  const std::string scenes = installed_scenes().string();
  std::string note =
      "Scene files: their format is scenes/README.md in the sources, installed as\n  ";
  note.append(scenes).append("/README.md\n");
  note.append(
      "A bundled scene by its name (pygmy, showcase or tiny): pygmy render showcase reads\n  ");
  note.append(scenes).append("/showcase.json");
  return note;
}

}  // namespace pygmy::app
