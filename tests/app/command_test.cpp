// The pygmy command end to end: usage, errors, the TIFF it writes, killed workers and Ctrl-C.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"
#include "pygmy/scene_file.hpp"
#include "pygmy/tiff.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A running `pygmy` with its output captured in files of its own scratch directory.
class Command {
 public:
  Command(const fs::path& dir, std::vector<std::string> args) : dir_(dir) {
    args.insert(args.begin(), PYGMY_COMMAND);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, (dir / "out.txt").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, (dir / "err.txt").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
    const int failed = posix_spawn(&pid_, PYGMY_COMMAND, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (failed != 0) throw std::runtime_error("cannot start " + std::string(PYGMY_COMMAND));
  }

  [[nodiscard]] pid_t pid() const { return pid_; }

  /// The processes whose parent is this command: its workers.
  [[nodiscard]] std::set<pid_t> children() const {
    std::set<pid_t> found;
    for (const auto& entry : fs::directory_iterator("/proc")) {
      const std::string name = entry.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream stat(entry.path() / "stat");
      std::string line;
      if (!std::getline(stat, line)) continue;
      // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
      std::istringstream rest(line.substr(line.rfind(')') + 1));
      std::string state;
      pid_t parent = 0;
      if (rest >> state >> parent && parent == pid_ && state != "Z") found.insert(std::stoi(name));
    }
    return found;
  }

  Outcome wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    Outcome outcome;
    if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
    outcome.out = slurp(dir_ / "out.txt");
    outcome.err = slurp(dir_ / "err.txt");
    return outcome;
  }

 private:
  fs::path dir_;
  pid_t pid_ = 0;
};

class CommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / ("pygmy_" + std::string(info->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Outcome run(std::vector<std::string> args) { return Command(dir_, std::move(args)).wait(); }

  /// Waits (at most 20 s) until the command has at least one worker; returns them.
  static std::set<pid_t> workers_of(const Command& command) {
    for (int i = 0; i < 2000; ++i) {
      std::set<pid_t> children = command.children();
      if (!children.empty()) return children;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return {};
  }

  fs::path dir_;
};

std::size_t line_count(const std::string& text) {
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

TEST_F(CommandTest, RendersTheBuiltInSceneToTestTifAndPrintsASummary) {
  const Outcome outcome = run({"render", "-j", "2"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("test.tif 300x200"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("2 processes"), std::string::npos) << outcome.out;
  EXPECT_EQ(line_count(outcome.out), 1U) << outcome.out;
  const pygmy::Image image = pygmy::read_tiff(dir_ / "test.tif");
  EXPECT_TRUE(image == pygmy::render_sequential(pygmy::builtin_scene()));
}

TEST_F(CommandTest, TheTiffPassesTiffinfoWithoutWarnings) {
  ASSERT_EQ(run({"render", "--quiet", "--compression", "deflate"}).exit_code, 0);
  const std::string command = "tiffinfo -D " + (dir_ / "test.tif").string() + " > " +
                              (dir_ / "info.txt").string() + " 2>&1";
  if (std::system("command -v tiffinfo > /dev/null") != 0) GTEST_SKIP() << "no tiffinfo";
  EXPECT_EQ(std::system(command.c_str()), 0);
  const std::string info = slurp(dir_ / "info.txt");
  EXPECT_EQ(info.find("Warning"), std::string::npos) << info;
  EXPECT_EQ(info.find("arning"), std::string::npos) << info;
  EXPECT_NE(info.find("Image Width: 300 Image Length: 200"), std::string::npos) << info;
  EXPECT_NE(info.find("scheduler=exchange"), std::string::npos) << info;
}

TEST_F(CommandTest, QuietPrintsNothing) {
  const Outcome outcome = run({"render", "-q", "-o", "quiet.tif"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(outcome.out, "");
  EXPECT_EQ(outcome.err, "");
  EXPECT_TRUE(fs::exists(dir_ / "quiet.tif"));
}

TEST_F(CommandTest, RendersASceneFileAtAnotherSize) {
  const Outcome outcome = run({"render", PYGMY_SCENES_DIR "/tiny.json", "--size", "64x40", "-o",
                               "tiny.tif", "--scheduler", "map", "--band-rows", "3"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  const pygmy::Image image = pygmy::read_tiff(dir_ / "tiny.tif");
  const pygmy::Scene scene =
      pygmy::with_size(pygmy::load_scene(PYGMY_SCENES_DIR "/tiny.json"), 64, 40);
  EXPECT_TRUE(image == pygmy::render_sequential(scene));
}

TEST_F(CommandTest, HelpShowsExamplesAndExitsZero) {
  const Outcome outcome = run({"render", "--help"});
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_NE(outcome.out.find("Examples:"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("--scheduler"), std::string::npos) << outcome.out;
}

TEST_F(CommandTest, UsageErrorsExitTwoWithAOneLineReason) {
  const std::vector<std::vector<std::string>> mistakes = {
      {},
      {"paint"},
      {"render", "-j", "0"},
      {"render", "--band-rows", "0"},
      {"render", "--scheduler", "fastest"},
      {"render", "--size", "300by200"},
      {"render", "--bits", "12"},
      {"render", "--no-such-option"},
      {"render", "a.json", "b.json"},
  };
  for (const auto& args : mistakes) {
    const Outcome outcome = run(args);
    std::string shown;
    for (const auto& arg : args) shown += arg + " ";
    EXPECT_EQ(outcome.exit_code, 2) << shown << outcome.err;
    EXPECT_EQ(line_count(outcome.err), 1U) << shown << outcome.err;
    EXPECT_EQ(outcome.err.rfind("pygmy: ", 0), 0U) << shown << outcome.err;
    EXPECT_FALSE(fs::exists(dir_ / "test.tif")) << shown;
  }
}

TEST_F(CommandTest, ABrokenSceneFileExitsOneNamingTheFileAndThePlace) {
  std::ofstream(dir_ / "broken.json") << R"({"image": {"width": 30, "height": )";
  const Outcome outcome = run({"render", "broken.json"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("broken.json:"), std::string::npos) << outcome.err;
  EXPECT_FALSE(fs::exists(dir_ / "test.tif"));
}

TEST_F(CommandTest, AMissingSceneFileExitsOneNamingIt) {
  const Outcome outcome = run({"render", "nowhere.json"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("nowhere.json"), std::string::npos) << outcome.err;
}

TEST_F(CommandTest, AnUnwritableOutputExitsOneAndLeavesNothing) {
  const Outcome outcome = run({"render", "-o", "missing/dir/out.tif"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("missing/dir/out.tif"), std::string::npos) << outcome.err;
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 2);  // logs
}

TEST_F(CommandTest, AWorkerKilledFromOutsideHasItsBandRenderedAgain) {
  Command command(
      dir_, {"render", "--size", "900x600", "-j", "2", "--band-rows", "4", "-o", "killed.tif"});
  const std::set<pid_t> workers = workers_of(command);
  ASSERT_FALSE(workers.empty()) << "no worker appeared";
  ::kill(*workers.begin(), SIGKILL);
  const Outcome outcome = command.wait();
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  const pygmy::Image image = pygmy::read_tiff(dir_ / "killed.tif");
  EXPECT_TRUE(image ==
              pygmy::render_sequential(pygmy::with_size(pygmy::builtin_scene(), 900, 600)));
}

TEST_F(CommandTest, CtrlCEndsEveryWorkerAndLeavesNoFile) {
  Command command(dir_, {"render", "--size", "3000x2000", "-j", "2", "-o", "interrupted.tif"});
  const std::set<pid_t> workers = workers_of(command);
  ASSERT_FALSE(workers.empty()) << "no worker appeared";
  ::kill(command.pid(), SIGINT);
  const Outcome outcome = command.wait();
  EXPECT_EQ(outcome.signal, SIGINT);
  // The workers are orphans now (their parent is gone): each must end promptly.
  const auto running = [](pid_t worker) {
    std::ifstream stat("/proc/" + std::to_string(worker) + "/stat");
    std::string line;
    return std::getline(stat, line) && line.substr(line.rfind(')') + 2, 1) != "Z";
  };
  for (pid_t worker : workers) {
    for (int i = 0; i < 500 && running(worker); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_FALSE(running(worker)) << "worker " << worker << " is still running";
  }
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename();
    EXPECT_TRUE(name == "out.txt" || name == "err.txt") << "left behind: " << name;
  }
}

}  // namespace
