// What the command knows of its own build: its version, the commit it was built from, and where
// its scene files are installed.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace pygmy::app {

// The project's version, as CMake's project() gives it.
//   std::string_view v = version();  // "0.1.0"
[[nodiscard]] std::string_view version();

// The commit the command was built from: `git rev-parse --short HEAD`, with "-dirty" when tracked
// files had changes; "unknown" when built outside a git checkout (a source tarball).
//   std::string_view c = commit();  // "83ad5db"
[[nodiscard]] std::string_view commit();

// The name, version and commit: the line `pygmy --version` prints and the Software of the images.
//   std::string s = software();  // "pygmy 0.1.0 (commit 83ad5db)"
[[nodiscard]] std::string software();

// Where the bundled scenes and their format (README.md) are installed: found beside the running
// executable, as the install rules lay them out (bin/pygmy and share/pygmy/scenes), so that a
// moved or DESTDIR-staged install finds its own; else the folder the build was configured to
// install them in.
//   std::filesystem::path readme = installed_scenes() / "README.md";
[[nodiscard]] std::filesystem::path installed_scenes();

// What --help says of scene files: where their format is described, and the bundled scenes that
// a render finds by name, with installed_scenes() as the folder.
//   app.footer(scenes_note());
[[nodiscard]] std::string scenes_note();

// installed_scenes() for an executable at `executable`: `executable`'s folder joined with
// `to_scenes` when that folder holds README.md, else `configured`.
//   scenes_beside("/opt/p/bin/pygmy", "../share/pygmy/scenes", "/usr/local/share/pygmy/scenes");
[[nodiscard]] std::filesystem::path scenes_beside(const std::filesystem::path& executable,
                                                  const std::filesystem::path& to_scenes,
                                                  const std::filesystem::path& configured);

}  // namespace pygmy::app
