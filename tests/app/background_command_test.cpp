// `pygmy render --background` and `pygmy collect` end to end: a render that goes on after its
// command returns, collected later, interrupted, collected twice, killed, or never started.
#include <fcntl.h>
#include <grp.h>
#include <linux/sockios.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "command_runner.hpp"
#include "pprocess/persistent.hpp"
#include "pygmy/png.hpp"
#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"
#include "pygmy/tiff.hpp"
#include "sanitized.hpp"

namespace {

namespace fs = std::filesystem;

using pygmy::app::test::alive;
using pygmy::app::test::children_of;
using pygmy::app::test::Command;
using pygmy::app::test::Outcome;
using pygmy::app::test::slurp;

// When process `pid` started, in clock ticks after boot (field 22 of /proc/<pid>/stat); 0 when
// there is no such process. With the pid, it names one process, whatever reuses the pid later.
unsigned long long start_time(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) {
    return 0;
  }
  // After "pid (comm)", the fields from the state on: the start time is the 20th of them.
  std::istringstream rest(line.substr(line.rfind(')') + 1));
  std::string field;
  for (int i = 0; i < 20 && rest >> field; ++i) {
  }
  return std::stoull(field);
}

// Waits (at most 20 s) for process `pid` to end; whether it did.
bool ends(pid_t pid) {
  for (int i = 0; i < 2000 && alive(pid); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return !alive(pid);
}

// Whether process `pid` has a handler for `signal` (SigCgt in /proc/<pid>/status).
bool catches(pid_t pid, int signal) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  std::string value;
  while (status >> key >> value) {
    if (key == "SigCgt:") {
      return ((std::stoull(value, nullptr, 16) >> (signal - 1)) & 1U) != 0;
    }
  }
  return false;
}

// The process that runs the render of the background process `server` (its one child), once it
// exists (waiting at most 20 s); 0 if it does not.
pid_t renderer_of(pid_t server) {
  std::set<pid_t> children = children_of(server);
  for (int i = 0; i < 2000 && children.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    children = children_of(server);
  }
  return children.size() == 1 ? *children.begin() : 0;
}

// The built-in scene at `width` × `height`, rendered here: what every scheduler must give.
pygmy::Image expected_image(int width, int height) {
  return pygmy::render_sequential(pygmy::with_size(pygmy::builtin_scene(), width, height));
}

// Waits (at most 20 s) until `collect` has connected to its render: it has made its temporary
// output; whether it did.
bool connected(Command& collect, const fs::path& dir, const std::string& output = "test.tif") {
  const fs::path temporary =
      dir / ("." + output + ".pygmy-" + std::to_string(collect.pid()) + ".tmp");
  for (int i = 0; i < 4000 && !fs::exists(temporary) && collect.running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return fs::exists(temporary);
}

// A listening UNIX socket at `path`, made by the test: a render that is not one.
class FakeRender {
 public:
  explicit FakeRender(const fs::path& path)
      : listener_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un where{};
    where.sun_family = AF_UNIX;
    std::strncpy(where.sun_path, path.c_str(), sizeof where.sun_path - 1);
    if (listener_ < 0 ||
        ::bind(listener_, reinterpret_cast<const sockaddr*>(&where), sizeof where) != 0 ||
        ::listen(listener_, 4) != 0) {
      ADD_FAILURE() << "cannot listen at " << path << ": " << std::strerror(errno);
    }
  }
  FakeRender(const FakeRender&) = delete;
  FakeRender& operator=(const FakeRender&) = delete;
  ~FakeRender() {
    if (connection_ >= 0) ::close(connection_);
    ::close(listener_);
  }

  // Accepts the collect (waiting 20 s at most) and answers its hello as a render would; whether
  // it could.
  bool greet() {
    pollfd waiting{listener_, POLLIN, 0};
    if (::poll(&waiting, 1, 20000) != 1) return false;
    connection_ = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    std::array<char, 24> hello{};
    std::size_t got = 0;
    while (connection_ >= 0 && got < hello.size()) {
      const ssize_t n = ::recv(connection_, hello.data() + got, hello.size() - got, 0);
      if (n <= 0) return false;
      got += static_cast<std::size_t>(n);
    }
    // magic, protocol version, this process as the render's, nobody else served
    std::string answer("pprocess", 8);
    const std::uint32_t version = pprocess::kPersistentProtocolVersion;
    const std::int32_t pid = ::getpid();
    answer.append(reinterpret_cast<const char*>(&version), 4);
    answer.append(reinterpret_cast<const char*>(&pid), 4);
    answer.append(8, '\0');
    return write(answer);
  }

  // Sends the header of a value of 1000 bytes, and 10 of them: then it stalls.
  bool send_part_of_a_value() {
    std::string frame;
    const std::uint32_t magic = 0x70707263;
    frame.append(reinterpret_cast<const char*>(&magic), 4);
    frame.append({'\1', '\1', '\0', '\0'});  // a value, acknowledged; reserved
    const std::uint64_t length = 1000;
    frame.append(reinterpret_cast<const char*>(&length), 8);
    frame.append(10, 'x');
    return write(frame);
  }

  // Waits (20 s at most) until the collect has read everything sent it.
  bool all_read() {
    for (int i = 0; i < 2000; ++i) {
      int unread = 0;
      if (::ioctl(connection_, SIOCOUTQ, &unread) != 0) return false;
      if (unread == 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

 private:
  bool write(const std::string& bytes) {
    return connection_ >= 0 && ::send(connection_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
                                   static_cast<ssize_t>(bytes.size());
  }

  int listener_;
  int connection_ = -1;
};

class BackgroundRenderTest : public pygmy::app::test::ScratchDirectoryTest {
 protected:
  // Kills every render a test started that still runs (a failed assertion may leave one), so
  // that none outlives the test and its scratch directory.
  void TearDown() override {
    for (const auto& [pid, started] : started_) {
      if (alive(pid) && start_time(pid) == started) {
        ::kill(pid, SIGKILL);
        EXPECT_TRUE(ends(pid)) << "the background render " << pid << " outlived its test";
      }
    }
    ScratchDirectoryTest::TearDown();
  }

  // Runs `pygmy render ARGS --background ADDRESS`, which must succeed; the render's pid.
  pid_t start(std::vector<std::string> args, const std::string& address = "r.socket",
              const pygmy::app::test::Launch& launch = {}) {
    args.insert(args.begin(), "render");
    args.insert(args.end(), {"--background", address});
    const Outcome outcome = run(args, launch);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    std::smatch match;
    const std::regex printed("^address: (.*)\npid: ([0-9]+)\n$");
    if (!std::regex_match(outcome.out, match, printed)) {
      ADD_FAILURE() << "expected the address and the pid, got: " << outcome.out;
      return 0;
    }
    EXPECT_EQ(match[1], address);
    const pid_t pid = std::stoi(match[2]);
    started_.emplace_back(pid, start_time(pid));
    return pid;
  }

  // The names left in the scratch directory, sorted.
  std::vector<std::string> files() const {
    std::vector<std::string> names = left_behind();
    std::sort(names.begin(), names.end());
    return names;
  }

  std::vector<std::pair<pid_t, unsigned long long>> started_;  // each render's pid, start time
};

TEST_F(BackgroundRenderTest, CollectWritesTheFileARenderHereWrites) {
  const pygmy::app::test::Launch reproducible{.environment = {"SOURCE_DATE_EPOCH=1700000000"}};
  const Outcome here =
      run({"render", "--size", "80x60", "-j", "2", "-o", "here.tif"}, reproducible);
  ASSERT_EQ(here.exit_code, 0) << here.err;
  const pid_t pid = start({"--size", "80x60", "-j", "2"});

  const Outcome collected = run({"collect", "r.socket", "-o", "there.tif"}, reproducible);
  EXPECT_EQ(collected.exit_code, 0) << collected.err;
  EXPECT_EQ(collected.out.rfind("pygmy: there.tif 80x60, scene builtin, 2 processes (pool), ", 0),
            0U)
      << collected.out;
  const std::string there = slurp(dir_ / "there.tif");
  EXPECT_FALSE(there.empty());
  EXPECT_EQ(there, slurp(dir_ / "here.tif"));
  // The render has ended and removed its socket; only the record of the collect is left.
  EXPECT_TRUE(ends(pid));
  EXPECT_EQ(files(), (std::vector<std::string>{"here.tif", "r.socket.collected", "there.tif"}));
}

TEST_F(BackgroundRenderTest, RenderInTheBackgroundReturnsWhileTheRenderGoesOn) {
  // Seconds of work, even on a fast machine: far more than starting it takes.
  const pid_t pid = start({"--size", "4000x3000", "-j", "1", "--scheduler", "sequential"});
  // The command has returned; the process running the render, which ends only once it has
  // handed over the image, still runs.
  EXPECT_TRUE(alive(pid));
  const pid_t renderer = renderer_of(pid);
  EXPECT_NE(renderer, 0);
  EXPECT_TRUE(alive(renderer));
  EXPECT_EQ(files(), (std::vector<std::string>{"r.socket"}));

  // The address is taken while it runs: a second render there is refused, the first goes on.
  const Outcome second = run({"render", "--size", "8x8", "--background", "r.socket"});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("pygmy: error: a process already serves at 'r.socket'"),
            std::string::npos)
      << second.err;
  EXPECT_TRUE(alive(pid));
}

TEST_F(BackgroundRenderTest, InterruptedCollectLeavesTheRenderToALaterCollect) {
  // 150 bands, far longer to render than the collect takes to connect: it is interrupted long
  // before the image is ready.
  const pid_t pid = start({"--size", "600x450", "-j", "2", "--band-rows", "3"});
  {
    Command collect(dir_, {"collect", "r.socket"});
    // Once it has connected, before it receives anything, it makes its temporary and then
    // catches Ctrl-C to remove it.
    const fs::path temporary = dir_ / (".test.tif.pygmy-" + std::to_string(collect.pid()) + ".tmp");
    const auto ready = [&] { return fs::exists(temporary) && catches(collect.pid(), SIGINT); };
    for (int i = 0; i < 2000 && !ready() && collect.running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(ready());
    ::kill(collect.pid(), SIGINT);
    const Outcome interrupted = collect.wait();
    EXPECT_EQ(interrupted.signal, SIGINT) << interrupted.err;
  }
  // The render still has its image for a collect (it may have finished rendering meanwhile).
  EXPECT_TRUE(alive(pid));
  EXPECT_EQ(files(), (std::vector<std::string>{"r.socket"}));

  const Outcome resumed = run({"collect", "r.socket"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(pygmy::read_tiff(dir_ / "test.tif"), expected_image(600, 450));
  EXPECT_TRUE(ends(pid));
  EXPECT_EQ(files(), (std::vector<std::string>{"r.socket.collected", "test.tif"}));
}

TEST_F(BackgroundRenderTest, ACollectThatCannotWriteTheImageLeavesItToTheNext) {
  // A device that is always full, as /dev/full; root uses a node of its own, so that nothing the
  // collect does could touch the machine's.
  fs::path full = "/dev/full";
  if (::geteuid() == 0) {
    full = dir_ / "full";
    ASSERT_EQ(::mknod(full.c_str(), S_IFCHR | 0666, ::makedev(1, 7)), 0) << std::strerror(errno);
  }
  const pid_t pid = start({"--size", "40x30", "-j", "2"});
  const Outcome failed = run({"collect", "r.socket", "-o", full.string()});
  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  EXPECT_EQ(failed.err.rfind("pygmy: error: " + full.string() + ": cannot write", 0), 0U)
      << failed.err;
  EXPECT_NE(failed.err.find("No space left on device"), std::string::npos) << failed.err;
  EXPECT_TRUE(alive(pid));

  const Outcome collected = run({"collect", "r.socket", "-q", "-o", "good.tif"});
  EXPECT_EQ(collected.exit_code, 0) << collected.err;
  EXPECT_EQ(pygmy::read_tiff(dir_ / "good.tif"), expected_image(40, 30));
  EXPECT_TRUE(ends(pid));
}

TEST_F(BackgroundRenderTest, CollectWritesAPngToStandardOutput) {
  const pid_t pid = start({"--size", "40x30", "-j", "2"});
  const Outcome collected = run({"collect", "r.socket", "-o", "-", "--format", "png"});
  EXPECT_EQ(collected.exit_code, 0) << collected.err;
  EXPECT_EQ(collected.err.rfind("pygmy: standard output 40x30, ", 0), 0U) << collected.err;
  EXPECT_EQ(pygmy::read_png(dir_ / "out.txt"), expected_image(40, 30));
  EXPECT_TRUE(ends(pid));
  EXPECT_EQ(slurp(dir_ / "r.socket.collected"), "standard output\n");
}

TEST_F(BackgroundRenderTest, ASecondCollectSaysTheRenderWasAlreadyCollected) {
  const pid_t pid = start({"--size", "40x30", "-j", "2"});
  ASSERT_EQ(run({"collect", "r.socket", "-q"}).exit_code, 0);
  EXPECT_TRUE(ends(pid));

  const Outcome again = run({"collect", "r.socket", "-o", "again.tif"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("pygmy: error: the render at 'r.socket' was already collected, into " +
                           (dir_ / "test.tif").string()),
            std::string::npos)
      << again.err;
  EXPECT_EQ(files(), (std::vector<std::string>{"r.socket.collected", "test.tif"}));
}

TEST_F(BackgroundRenderTest, TheRecordOfACollectReplacesALinkAtItsNameWithoutFollowingIt) {
  // Another user's link where the record goes, made while the render runs.
  std::ofstream(dir_ / "important") << "precious";
  start({"--size", "40x30", "-j", "2"});
  fs::create_symlink(dir_ / "important", dir_ / "r.socket.collected");
  if (::geteuid() == 0) {
    ASSERT_EQ(::lchown((dir_ / "r.socket.collected").c_str(), 65534, 65534), 0);
  }
  const Outcome collected = run({"collect", "r.socket", "-q"});
  EXPECT_EQ(collected.exit_code, 0) << collected.err;
  EXPECT_EQ(slurp(dir_ / "important"), "precious");
  EXPECT_FALSE(fs::is_symlink(dir_ / "r.socket.collected"));
  EXPECT_EQ(slurp(dir_ / "r.socket.collected"), (dir_ / "test.tif").string() + "\n");
}

TEST_F(BackgroundRenderTest, ANewRenderAtACollectedAddressIsCollectedInTurn) {
  start({"--size", "40x30", "-j", "2"});
  ASSERT_EQ(run({"collect", "r.socket", "-q", "-o", "first.tif"}).exit_code, 0);

  const pid_t pid = start({"--size", "50x20", "-j", "2"});
  const Outcome second = run({"collect", "r.socket", "-o", "second.tif"});
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(pygmy::read_tiff(dir_ / "second.tif"), expected_image(50, 20));
  EXPECT_TRUE(ends(pid));
  EXPECT_NE(slurp(dir_ / "r.socket.collected").find("second.tif"), std::string::npos);
}

TEST_F(BackgroundRenderTest, CollectOfAKilledRenderSaysItWasKilled) {
  const pid_t pid = start({"--size", "4000x3000", "-j", "2"});
  const pid_t renderer = renderer_of(pid);
  ASSERT_NE(renderer, 0);
  ::kill(pid, SIGKILL);
  ASSERT_TRUE(ends(pid));
  // Nothing of it goes on: the process running the render, and so its workers, die with it.
  EXPECT_TRUE(ends(renderer));

  const Outcome collected = run({"collect", "r.socket"});
  EXPECT_EQ(collected.exit_code, 1);
  EXPECT_NE(collected.err.find("pygmy: error: the render at 'r.socket' was killed before it "
                               "delivered its image"),
            std::string::npos)
      << collected.err;
  // The killed render's socket stays (the next render at the address replaces it); no TIFF or
  // temporary is left.
  EXPECT_EQ(files(), (std::vector<std::string>{"r.socket"}));
}

TEST_F(BackgroundRenderTest, CollectOfARenderWhoseProcessDiedSaysItFailed) {
  const pid_t pid = start({"--size", "4000x3000", "-j", "2"});
  const pid_t renderer = renderer_of(pid);
  ASSERT_NE(renderer, 0);
  ::kill(renderer, SIGKILL);

  const Outcome collected = run({"collect", "r.socket"});
  EXPECT_EQ(collected.exit_code, 1);
  EXPECT_NE(collected.err.find("pygmy: error: the render at 'r.socket' failed: "
                               "pprocess::ProcessDied: "),
            std::string::npos)
      << collected.err;
  // Its failure delivered, the background process has ended and removed its socket.
  EXPECT_TRUE(ends(pid));
  EXPECT_TRUE(files().empty());
}

TEST_F(BackgroundRenderTest, AnEmptyRecordStillSaysTheRenderWasCollected) {
  // What a collect on a disk that filled up as it wrote the record may leave.
  std::ofstream(dir_ / "r.socket.collected").flush();
  const Outcome collected = run({"collect", "r.socket"});
  EXPECT_EQ(collected.exit_code, 1);
  EXPECT_EQ(collected.err,
            "pygmy: error: the render at 'r.socket' was already collected (its record "
            "'r.socket.collected' is empty: the file it went into is not known)\n");
}

TEST_F(BackgroundRenderTest, AnotherUsersListenerAtTheAddressIsNamedAsTheirs) {
  const passwd* nobody = ::getpwnam("nobody");
  if (::geteuid() != 0 || nobody == nullptr) {
    GTEST_SKIP() << "needs root, and a user nobody";
  }
  fs::permissions(dir_, fs::perms(01777));
  const fs::path address = dir_ / "r.socket";
  int ready[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  const pid_t listener = ::fork();
  if (listener == 0) {
    sockaddr_un where{};
    where.sun_family = AF_UNIX;
    std::strncpy(where.sun_path, address.c_str(), sizeof where.sun_path - 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::setgroups(0, nullptr) != 0 || ::setgid(nobody->pw_gid) != 0 ||
        ::setuid(nobody->pw_uid) != 0 || fd < 0 ||
        ::bind(fd, reinterpret_cast<const sockaddr*>(&where), sizeof where) != 0 ||
        ::listen(fd, 4) != 0 || ::write(ready[1], "!", 1) != 1) {
      std::_Exit(1);
    }
    ::pause();
    std::_Exit(0);
  }
  ::close(ready[1]);
  char byte = 0;
  const bool listening = ::read(ready[0], &byte, 1) == 1;
  ::close(ready[0]);
  const auto stop = [&] {
    ::kill(listener, SIGKILL);
    ::waitpid(listener, nullptr, 0);
  };
  if (!listening) {
    stop();
    FAIL() << "nobody could not listen at " << address;
  }
  const std::string theirs = "'r.socket' is the socket of user " + std::to_string(nobody->pw_uid) +
                             " (" + nobody->pw_name + ")";
  const Outcome started = run({"render", "--size", "8x8", "--background", "r.socket"});
  const Outcome collected = run({"collect", "r.socket"});
  stop();
  EXPECT_EQ(started.exit_code, 1);
  EXPECT_EQ(started.err.rfind("pygmy: error: " + theirs + ", whose process serves there", 0), 0U)
      << started.err;
  EXPECT_EQ(started.err.find("not yet collected"), std::string::npos) << started.err;
  EXPECT_EQ(collected.exit_code, 1);
  EXPECT_EQ(collected.err, "pygmy: error: " + theirs + ", not a render of yours\n");
}

TEST_F(BackgroundRenderTest, AFileAtTheAddressIsNamedForWhatItIs) {
  std::ofstream(dir_ / "r.socket") << "a file";
  const Outcome started = run({"render", "--size", "8x8", "--background", "r.socket"});
  EXPECT_EQ(started.exit_code, 1);
  EXPECT_EQ(started.err, "pygmy: error: 'r.socket' exists and is a regular file, not a socket\n");
  const Outcome collected = run({"collect", "r.socket"});
  EXPECT_EQ(collected.exit_code, 1);
  EXPECT_EQ(collected.err,
            "pygmy: error: 'r.socket' is not a render's socket but a regular file\n");
  EXPECT_EQ(slurp(dir_ / "r.socket"), "a file");
}

TEST_F(BackgroundRenderTest, CollectWhereNothingWasStartedSaysSo) {
  const Outcome collected = run({"collect", "nothing.socket"});
  EXPECT_EQ(collected.exit_code, 1);
  EXPECT_NE(collected.err.find("pygmy: error: nothing renders at 'nothing.socket'"),
            std::string::npos)
      << collected.err;
  EXPECT_TRUE(files().empty());
}

TEST_F(BackgroundRenderTest, ABackgroundProcessThatCannotBeginSaysSoAndLeavesNothing) {
  if (kSanitized) {
    GTEST_SKIP() << "a sanitizer needs descriptors of its own: five leave the command none to run";
  }
  // Five descriptors: enough for this command (its streams, the listener, its connection), too
  // few for the background process to make its worker's channel beside its streams and listener.
  const Outcome started =
      run({"render", "--size", "8x8", "--background", "r.socket"}, {.open_files = 5});
  EXPECT_EQ(started.exit_code, 1) << started.out;
  EXPECT_EQ(started.out, "");
  EXPECT_EQ(started.err.rfind("pygmy: error: the background process for 'r.socket' ended before "
                              "it began rendering",
                              0),
            0U)
      << started.err;
  EXPECT_NE(started.err.find("open files 5 (ulimit -n)"), std::string::npos) << started.err;
  EXPECT_EQ(pygmy::app::test::line_count(started.err), 1U) << started.err;
  EXPECT_TRUE(files().empty());
}

TEST_F(BackgroundRenderTest, TheMemoryCheckCountsTheImageAndTheMessageThatSendsIt) {
  if (kSanitized) {
    GTEST_SKIP() << "a sanitizer's shadow memory needs an unlimited address space";
  }
  // 144 MB of pixels: in 280 MB of address space one copy fits, as a render here holds it, but
  // not the image and the message that sends it, as the background process holds them.
  const Outcome started = run({"render", "--size", "8000x6000", "--background", "r.socket"},
                              {.address_space = rlim_t{280} << 20});
  EXPECT_EQ(started.exit_code, 1) << started.out;
  EXPECT_EQ(started.err.rfind("pygmy: error: a 8000x6000 image needs 288.0 MB of memory; ", 0), 0U)
      << started.err;
  EXPECT_NE(started.err.find("(ulimit -v)"), std::string::npos) << started.err;
  EXPECT_NE(started.err.find("the message that sends it"), std::string::npos) << started.err;
  EXPECT_EQ(started.out, "");
  EXPECT_TRUE(files().empty());
}

TEST_F(BackgroundRenderTest, RenderInTheBackgroundChecksTheSceneBeforeStarting) {
  const Outcome missing = run({"render", "missing.json", "--background", "r.socket"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("missing.json"), std::string::npos) << missing.err;
  EXPECT_TRUE(missing.out.empty()) << missing.out;
  EXPECT_TRUE(files().empty());
}

TEST_F(BackgroundRenderTest, TheRenderKeepsNoDescriptorOfTheShellsSoAPipeReachesEndOfFile) {
  // As `pygmy render --background r.socket 3>&1 | cat`: a pipe the command inherits.
  int pipe_ends[2];
  ASSERT_EQ(::pipe2(pipe_ends, 0), 0);
  const pid_t pid = start({"--size", "40x30", "-j", "2"});
  ::close(pipe_ends[1]);
  pollfd reader{pipe_ends[0], POLLIN, 0};
  char byte = 0;
  const bool ended = ::poll(&reader, 1, 10000) == 1 && ::read(pipe_ends[0], &byte, 1) == 0;
  ::close(pipe_ends[0]);
  EXPECT_TRUE(ended) << "the background render keeps the pipe open";
  EXPECT_EQ(run({"collect", "r.socket", "-q"}).exit_code, 0);
  EXPECT_TRUE(ends(pid));
}

TEST_F(BackgroundRenderTest,
       ACollectWhileAStoppedOneHoldsTheRenderSaysWhoAndGetsTheImageOnceItIsDropped) {
  // 150 bands: seconds of progress messages, and a collect stopped (Ctrl-Z) holding one of them.
  const pid_t pid = start({"--size", "600x450", "-j", "2", "--band-rows", "3"}, "r.socket",
                          {.environment = {"PPROCESS_RECEIPT_TIMEOUT=2"}});
  Command stopped(dir_, {"collect", "r.socket", "-o", "stopped.tif"});
  ASSERT_TRUE(connected(stopped, dir_, "stopped.tif"));
  ASSERT_EQ(::kill(stopped.pid(), SIGSTOP), 0);

  const Outcome second = run({"collect", "r.socket", "-o", "second.tif"});
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("pygmy: another collect, pid " + std::to_string(stopped.pid()) +
                            ", is connected to the render at 'r.socket'; waiting (at most 60 s)"),
            std::string::npos)
      << second.err;
  EXPECT_EQ(pygmy::read_tiff(dir_ / "second.tif"), expected_image(600, 450));
  EXPECT_TRUE(ends(pid));
  ::kill(stopped.pid(), SIGKILL);
}

TEST_F(BackgroundRenderTest,
       ACollectGivesUpAfterItsWaitWhileAnotherHoldsTheRenderWhichLosesNothing) {
  const pid_t pid = start({"--size", "600x450", "-j", "2", "--band-rows", "3"});
  Command first(dir_, {"collect", "r.socket", "-o", "first.tif"});
  ASSERT_TRUE(connected(first, dir_, "first.tif"));
  ASSERT_EQ(::kill(first.pid(), SIGSTOP), 0);

  const Outcome second = run({"collect", "r.socket", "-o", "second.tif", "--wait", "1"});
  EXPECT_EQ(second.exit_code, 1) << second.err;
  const std::string holder = "another collect, pid " + std::to_string(first.pid());
  EXPECT_NE(second.err.find("pygmy: " + holder + ", is connected"), std::string::npos)
      << second.err;
  EXPECT_NE(second.err.find("pygmy: error: " + holder +
                            ", is still connected to the render at 'r.socket' after 1 s: giving "
                            "up"),
            std::string::npos)
      << second.err;
  EXPECT_FALSE(fs::exists(dir_ / "second.tif"));

  // The first goes on where it stopped.
  ASSERT_EQ(::kill(first.pid(), SIGCONT), 0);
  const Outcome resumed = first.wait();
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(pygmy::read_tiff(dir_ / "first.tif"), expected_image(600, 450));
  EXPECT_TRUE(ends(pid));
}

TEST_F(BackgroundRenderTest, ASignalEndsACollectWaitingInsideAValueAndLeavesNoFile) {
  for (const int signal : {SIGINT, SIGTERM}) {
    FakeRender render(dir_ / "fake.socket");
    Command collect(dir_, {"collect", "fake.socket"});
    ASSERT_TRUE(render.greet());
    ASSERT_TRUE(render.send_part_of_a_value());
    ASSERT_TRUE(render.all_read());  // it waits for the rest, inside the value
    ASSERT_EQ(::kill(collect.pid(), signal), 0);
    const Outcome ended = collect.wait(std::chrono::seconds(20));
    EXPECT_EQ(ended.signal, signal) << ended.err;
    EXPECT_NE(ended.err.find(std::string("pygmy: ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") +
                             ": the collect of 'fake.socket' ends"),
              std::string::npos)
        << ended.err;
    EXPECT_EQ(files(), (std::vector<std::string>{"fake.socket"}));
    fs::remove(dir_ / "fake.socket");
  }
}

TEST_F(BackgroundRenderTest, ACollectOfAProcessThatNeverAnswersEndsSayingSo) {
  // Listening, so the collect connects, but nobody ever accepts or says hello.
  FakeRender silent(dir_ / "silent.socket");
  const Outcome collected = run({"collect", "silent.socket", "--wait", "1"});
  EXPECT_EQ(collected.exit_code, 1);
  EXPECT_EQ(collected.err,
            "pygmy: error: the process at 'silent.socket' accepted the connection but did not "
            "answer in 1 s: it is not a pygmy background render, or it is stuck\n");
  EXPECT_EQ(files(), (std::vector<std::string>{"silent.socket"}));
}

TEST_F(BackgroundRenderTest, BadCommandLinesAreUsageErrors) {
  const std::vector<std::vector<std::string>> bad{
      {"collect"},
      {"collect", "a.socket", "b.socket"},
      {"collect", "r.socket", "--unknown"},
      {"collect", ""},
      {"collect", std::string(200, 'a')},
      {"collect", "r.socket", "--wait", "0"},
      {"collect", "r.socket", "--wait", "soon"},
      {"render", "--background", ""},
      {"render", "--background", "r.socket", "-o", "out.tif"},
      {"render", "--background", "r.socket", "--worker-map", "map.tif"},
      {"render", "--background", "r.socket", "--compression", "lzw"},
      {"render", "--background", "r.socket", "--size", "0x0"},
      {"render", "--background", "r.socket", "--scheduler", "mpi"}};
  for (const std::vector<std::string>& args : bad) {
    const Outcome outcome = run(args);
    EXPECT_EQ(outcome.exit_code, 2) << pygmy::app::test::shown(args) << '\n' << outcome.err;
    EXPECT_EQ(outcome.err.rfind("pygmy: ", 0), 0U) << outcome.err;
  }
  EXPECT_TRUE(files().empty());
}

TEST_F(BackgroundRenderTest, HelpDescribesBothCommands) {
  const Outcome collect = run({"collect", "--help"});
  EXPECT_EQ(collect.exit_code, 0);
  EXPECT_NE(collect.out.find("address"), std::string::npos) << collect.out;
  EXPECT_NE(collect.out.find("already collected"), std::string::npos) << collect.out;
  const Outcome render = run({"render", "--help"});
  EXPECT_EQ(render.exit_code, 0);
  EXPECT_NE(render.out.find("--background"), std::string::npos) << render.out;
}

}  // namespace
