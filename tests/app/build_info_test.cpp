// What the command knows of its build: the version and commit it names, and where it finds its
// installed scenes.
#include "build_info.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace pygmy::app {
namespace {

namespace fs = std::filesystem;

TEST(BuildInfoTest, SoftwareIsTheNameTheVersionAndTheCommit) {
  EXPECT_EQ(software(),
            "pygmy " + std::string(version()) + " (commit " + std::string(commit()) + ")");
  EXPECT_FALSE(version().empty());
  EXPECT_FALSE(commit().empty());
}

TEST(BuildInfoTest, ScenesAreFoundBesideTheExecutableElseWhereTheBuildPutThem) {
  const fs::path root =
      fs::temp_directory_path() / ("pygmy_build_info_" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "moved/bin");
  fs::create_directories(root / "moved/share/pygmy/scenes");
  std::ofstream(root / "moved/share/pygmy/scenes/README.md") << "# Scene files\n";
  const fs::path configured = "/usr/local/share/pygmy/scenes";

  EXPECT_EQ(scenes_beside(root / "moved/bin/pygmy", "../share/pygmy/scenes", configured),
            root / "moved/share/pygmy/scenes");
  // No scenes beside it (a build tree), or no executable known: where the build put them.
  EXPECT_EQ(scenes_beside(root / "build/pygmy", "../share/pygmy/scenes", configured), configured);
  EXPECT_EQ(scenes_beside("", "../share/pygmy/scenes", configured), configured);
  fs::remove_all(root);
}

}  // namespace
}  // namespace pygmy::app
