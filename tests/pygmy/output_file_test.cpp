// Tests of OutputFile's path rules: other users' links in shared directories, devices, FIFOs and
// sockets reached through links, and files swapped in between the checks and the write.
#include "pygmy/output_file.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

namespace pygmy {
namespace {

namespace fs = std::filesystem;

std::string contents(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Writes `text` through `output` and commits it.
void write_and_commit(OutputFile& output, std::string_view text) {
  ASSERT_EQ(::write(output.fd(), text.data(), text.size()), static_cast<ssize_t>(text.size()));
  output.commit();
}

class OutputFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string name = std::string(info->name()) + "_" + std::to_string(::getpid());
    dir_ = fs::temp_directory_path() / ("pygmy_output_" + name);
    shared_ = fs::temp_directory_path() / ("pygmy_shared_" + name);
    fs::remove_all(dir_);
    fs::remove_all(shared_);
    fs::create_directories(dir_);
    // A directory like /tmp: sticky, and anybody may write to it.
    fs::create_directories(shared_);
    ASSERT_EQ(::chmod(shared_.c_str(), 01777), 0);
    if (const passwd* nobody = ::getpwnam("nobody")) {
      nobody_ = nobody->pw_uid;
      nogroup_ = nobody->pw_gid;
    }
  }
  void TearDown() override {
    fs::remove_all(dir_);
    fs::remove_all(shared_);
  }

  // Whether this test may act as another user (it runs as root, and `nobody` exists).
  [[nodiscard]] bool can_be_another_user() const { return ::geteuid() == 0 && nobody_ != 0; }

  // Runs `act` as the user nobody, in a child process; whether it succeeded.
  [[nodiscard]] bool as_nobody(const std::function<bool()>& act) const {
    const pid_t child = ::fork();
    if (child == 0) {
      const bool ok = ::setgroups(0, nullptr) == 0 && ::setgid(nogroup_) == 0 &&
                      ::setuid(nobody_) == 0 && act();
      std::_Exit(ok ? 0 : 1);
    }
    int status = 0;
    return child > 0 && ::waitpid(child, &status, 0) == child && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
  }

  // Plants, as nobody, a symbolic link at `link` to `target`.
  void plant_link(const fs::path& target, const fs::path& link) const {
    ASSERT_TRUE(as_nobody([&] { return ::symlink(target.c_str(), link.c_str()) == 0; }))
        << "nobody could not make " << link;
  }

  // The names in `directory`, sorted.
  static std::vector<std::string> names_in(const fs::path& directory) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(directory)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;     // this test's own directory, root's
  fs::path shared_;  // a sticky directory anybody may write, root's
  uid_t nobody_ = 0;
  gid_t nogroup_ = 0;
};

TEST_F(OutputFileTest, AnotherUsersLinkInASharedStickyDirectoryIsNotFollowed) {
  if (!can_be_another_user()) GTEST_SKIP() << "needs root, and a user nobody";
  std::ofstream(dir_ / "important") << "precious";
  plant_link(dir_ / "important", shared_ / "out.tif");
  try {
    OutputFile output(shared_ / "out.tif");
    write_and_commit(output, "overwritten");
    ADD_FAILURE() << "the link was followed";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), std::errc::permission_denied);
    const std::string what = error.what();
    EXPECT_EQ(what.rfind((shared_ / "out.tif").string() + ": not following ", 0), 0U) << what;
    EXPECT_NE(what.find("of user " + std::to_string(nobody_)), std::string::npos) << what;
  }
  EXPECT_EQ(contents(dir_ / "important"), "precious");
  EXPECT_EQ(names_in(dir_), std::vector<std::string>{"important"});
  EXPECT_EQ(names_in(shared_), std::vector<std::string>{"out.tif"});
  EXPECT_TRUE(fs::is_symlink(shared_ / "out.tif"));
}

TEST_F(OutputFileTest, AnotherUsersLinkToADirectoryInASharedStickyDirectoryIsNotFollowed) {
  if (!can_be_another_user()) GTEST_SKIP() << "needs root, and a user nobody";
  plant_link(dir_, shared_ / "images");
  EXPECT_THROW(OutputFile(shared_ / "images" / "out.tif"), std::system_error);
  EXPECT_THROW(OutputFile::check(shared_ / "images" / "out.tif"), std::system_error);
  EXPECT_TRUE(names_in(dir_).empty());
}

TEST_F(OutputFileTest, TheUsersOwnLinkAndTheDirectoryOwnersLinkAreFollowedThere) {
  if (!can_be_another_user()) GTEST_SKIP() << "needs root, and a user nobody";
  // Root's own link in root's shared directory.
  fs::create_symlink(dir_ / "mine.txt", shared_ / "mine");
  {
    OutputFile output(shared_ / "mine");
    write_and_commit(output, "mine");
  }
  EXPECT_EQ(contents(dir_ / "mine.txt"), "mine");
  // Nobody's link in nobody's shared directory: the directory's owner made it.
  const fs::path theirs = shared_ / "theirs";
  ASSERT_TRUE(as_nobody([&] {
    return ::mkdir(theirs.c_str(), 0777) == 0 && ::chmod(theirs.c_str(), 01777) == 0 &&
           ::symlink((dir_ / "theirs.txt").c_str(), (theirs / "link").c_str()) == 0;
  }));
  {
    OutputFile output(theirs / "link");
    write_and_commit(output, "theirs");
  }
  EXPECT_EQ(contents(dir_ / "theirs.txt"), "theirs");
  EXPECT_TRUE(fs::is_symlink(theirs / "link"));
}

TEST_F(OutputFileTest, AnotherUsersLinkOutsideASharedStickyDirectoryIsFollowed) {
  if (!can_be_another_user()) GTEST_SKIP() << "needs root, and a user nobody";
  // A directory nobody may write, but not sticky: root chose to trust what is in it.
  const fs::path theirs = dir_ / "theirs";
  fs::create_directory(theirs);
  ASSERT_EQ(::chown(theirs.c_str(), nobody_, nogroup_), 0);
  plant_link(dir_ / "real.txt", theirs / "link");
  OutputFile output(theirs / "link");
  write_and_commit(output, "written");
  EXPECT_EQ(contents(dir_ / "real.txt"), "written");
}

TEST_F(OutputFileTest, ASocketIsRefusedWhetherNamedOrReachedThroughALink) {
  const fs::path socket_path = dir_ / "s";
  const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  fs::create_symlink("s", dir_ / "link");
  for (const char* name : {"s", "link"}) {
    try {
      const OutputFile output(dir_ / name);
      ADD_FAILURE() << name << ": no error";
    } catch (const std::system_error& error) {
      EXPECT_NE(std::string(error.what()).find("not writing over a socket"), std::string::npos)
          << error.what();
    }
  }
  ::close(listener);
  struct stat status {};
  ASSERT_EQ(::lstat(socket_path.c_str(), &status), 0);
  EXPECT_TRUE(S_ISSOCK(status.st_mode));
  EXPECT_EQ(names_in(dir_), (std::vector<std::string>{"link", "s"}));
}

TEST_F(OutputFileTest, AFifoOrDeviceReachedThroughALinkIsWrittenInPlaceAndKept) {
  ASSERT_EQ(::mkfifo((dir_ / "pipe").c_str(), 0600), 0);
  fs::create_symlink("pipe", dir_ / "to-pipe");
  // A reader, so that opening the FIFO for writing does not wait.
  const int reader = ::open((dir_ / "pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  {
    OutputFile output(dir_ / "to-pipe");
    EXPECT_TRUE(output.in_place());
    EXPECT_TRUE(output.temporary_path().empty());
    write_and_commit(output, "through");
  }
  char got[16] = {};
  EXPECT_EQ(::read(reader, got, sizeof got), 7);
  EXPECT_STREQ(got, "through");
  ::close(reader);
  struct stat status {};
  ASSERT_EQ(::lstat((dir_ / "pipe").c_str(), &status), 0);
  EXPECT_TRUE(S_ISFIFO(status.st_mode));

  if (::geteuid() == 0 && ::mknod((dir_ / "null").c_str(), S_IFCHR | 0666, ::makedev(1, 3)) == 0) {
    fs::create_symlink("null", dir_ / "to-null");
    OutputFile output(dir_ / "to-null");
    EXPECT_TRUE(output.in_place());
    write_and_commit(output, "gone");
    ASSERT_EQ(::lstat((dir_ / "null").c_str(), &status), 0);
    EXPECT_TRUE(S_ISCHR(status.st_mode));
  }
  EXPECT_EQ(names_in(dir_).size(), ::geteuid() == 0 ? 4U : 2U);
}

TEST_F(OutputFileTest, AFifoPutInPlaceOfTheFileBeforeCommitIsNotReplaced) {
  OutputFile output(dir_ / "out.txt");
  // Someone takes the name while the contents are being made.
  ASSERT_EQ(::mkfifo((dir_ / "out.txt").c_str(), 0600), 0);
  ASSERT_EQ(::write(output.fd(), "late", 4), 4);
  EXPECT_THROW(output.commit(), std::system_error);
  struct stat status {};
  ASSERT_EQ(::lstat((dir_ / "out.txt").c_str(), &status), 0);
  EXPECT_TRUE(S_ISFIFO(status.st_mode));
}

TEST_F(OutputFileTest, ALinkSwappedInForTheDirectoryAfterTheChecksDoesNotRedirectTheWrite) {
  fs::create_directory(dir_ / "images");
  fs::create_directory(dir_ / "elsewhere");
  OutputFile output(dir_ / "images" / "out.txt");
  // The directory checked is moved away and a link to another put in its place.
  fs::rename(dir_ / "images", dir_ / "moved");
  fs::create_symlink("elsewhere", dir_ / "images");
  write_and_commit(output, "kept");
  EXPECT_EQ(contents(dir_ / "moved" / "out.txt"), "kept");
  EXPECT_TRUE(names_in(dir_ / "elsewhere").empty());
}

TEST_F(OutputFileTest, ARecordReplacesALinkAtItsNameWithoutFollowingIt) {
  std::ofstream(dir_ / "important") << "precious";
  fs::create_symlink(dir_ / "important", dir_ / "record");
  {
    OutputFile output(dir_ / "record", OutputFile::FinalLink::replace);
    write_and_commit(output, "record");
  }
  EXPECT_EQ(contents(dir_ / "important"), "precious");
  EXPECT_FALSE(fs::is_symlink(dir_ / "record"));
  EXPECT_EQ(contents(dir_ / "record"), "record");

  ASSERT_EQ(::mkfifo((dir_ / "fifo").c_str(), 0600), 0);
  EXPECT_THROW(OutputFile(dir_ / "fifo", OutputFile::FinalLink::replace), std::system_error);
  EXPECT_EQ(names_in(dir_), (std::vector<std::string>{"fifo", "important", "record"}));
}

TEST_F(OutputFileTest, AnotherUsersTemporaryIsNotCleanedUp) {
  if (!can_be_another_user()) GTEST_SKIP() << "needs root, and a user nobody";
  const std::string theirs = ".out.txt.pygmy-4000001.tmp";
  const fs::path planted = shared_ / theirs;
  ASSERT_TRUE(as_nobody([&] {
    const int fd = ::open(planted.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    return fd >= 0 && ::close(fd) == 0;
  }));
  OutputFile output(shared_ / "out.txt");
  write_and_commit(output, "mine");
  EXPECT_EQ(names_in(shared_), (std::vector<std::string>{theirs, "out.txt"}));
}

}  // namespace
}  // namespace pygmy
