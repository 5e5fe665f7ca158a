// Runs the pygmy command as a user would, for the end-to-end tests: in a scratch directory, its
// output captured, with the environment, ignored signals and limits a shell would give it.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace pygmy::app::test {

// How a command ended and what it printed.
struct Outcome {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

// The state letter of process `pid` in /proc ('R', 'S', 'T' for stopped, 'Z', ...); '\0' when
// there is no such process.
//   ASSERT_EQ(state_of(worker), 'T');
[[nodiscard]] char state_of(pid_t pid);
// Whether process `pid` exists and is not a zombie.
//   EXPECT_FALSE(alive(worker));
[[nodiscard]] bool alive(pid_t pid);
// The processes whose parent is `pid` and that have not ended.
//   std::set<pid_t> workers = children_of(render_pid);
[[nodiscard]] std::set<pid_t> children_of(pid_t pid);

// The whole of a text file ("" when it cannot be read).
//   std::string svg = slurp(dir / "speedup.svg");
[[nodiscard]] std::string slurp(const std::filesystem::path& file);

// The lines of `text`: its newlines.
//   EXPECT_EQ(line_count(outcome.err), 1U);
[[nodiscard]] std::size_t line_count(const std::string& text);

// `args` as one line, for the messages of failed expectations.
//   EXPECT_EQ(run(args).exit_code, 2) << shown(args);
[[nodiscard]] std::string shown(const std::vector<std::string>& args);

// How the command is started beyond its arguments: what a shell, nohup or ulimit would set up.
struct Launch {
  std::vector<std::string> environment{};  // "NAME=value", over this process's own
  std::vector<int> ignored{};              // signals it starts ignoring (SIG_IGN), as nohup
  std::optional<rlim_t> address_space{};   // its RLIMIT_AS (ulimit -v), in bytes
  std::optional<rlim_t> open_files{};      // its RLIMIT_NOFILE (ulimit -n)
};

// A running `pygmy` with its output captured in files of its own scratch directory; killed and
// reaped on destruction if it is still running (a failed assertion may leave it so).
//   Command command(dir, {"render", "-j", "2"});
//   Outcome outcome = command.wait();
class Command {
 public:
  Command(const std::filesystem::path& dir, std::vector<std::string> args,
          const Launch& launch = {});
  Command(const Command&) = delete;
  Command& operator=(const Command&) = delete;
  ~Command();

  [[nodiscard]] pid_t pid() const { return pid_; }

  // The processes whose parent is this command: its workers.
  [[nodiscard]] std::set<pid_t> children() const;

  // Whether the command is still running (once it has ended, it is reaped).
  [[nodiscard]] bool running();

  // Waits for the command to end, at most `limit`; past it, fails the test and kills it.
  Outcome wait(std::chrono::milliseconds limit = std::chrono::seconds(100));

 private:
  // Collects the exit status if the command has ended (waiting for that when `block`).
  bool reap(bool block);

  std::filesystem::path dir_;
  pid_t pid_ = 0;
  std::optional<int> status_;  // the wait status, once reaped
};

// A test with a scratch directory of its own, removed afterwards, in which commands run.
//   class SpeedupCommandTest : public ScratchDirectoryTest {};
//   TEST_F(SpeedupCommandTest, ...) { Outcome outcome = run({"speedup", "--repeat", "1"}); }
class ScratchDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Runs the command in the scratch directory and waits for it.
  Outcome run(std::vector<std::string> args, const Launch& launch = {});

  // The names in the scratch directory other than the command's captured output.
  [[nodiscard]] std::vector<std::string> left_behind() const;

  std::filesystem::path dir_;
};

}  // namespace pygmy::app::test
