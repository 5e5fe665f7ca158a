// The fixture every fork test shares: it fails on a leaked descriptor or an unreaped child.
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

namespace pprocess::testing {

/// The descriptors open in this process.
inline std::set<int> open_descriptors() {
  std::set<int> fds;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    fds.insert(std::stoi(entry.path().filename().string()));
  }
  return fds;
}

/// In a process about to end anyway: lowers the descriptor limit to the descriptors open now and
/// fills every free number below it, so that the next descriptor anything asks for is refused
/// (EMFILE). False if the limit could not be set.
inline bool use_up_descriptors() {
  const std::set<int> open = open_descriptors();
  const auto limit = static_cast<rlim_t>(*open.rbegin()) + 1;
  const rlimit none_left{limit, limit};
  if (::setrlimit(RLIMIT_NOFILE, &none_left) != 0) return false;
  while (::dup(STDERR_FILENO) >= 0) {
  }
  return true;
}

/// Runs `attempt` in a process of its own whose descriptors are used up, and returns that
/// process's exit status: 0 when `attempt` threw a std::system_error EMFILE naming socketpair and
/// not fork (the call that failed); 10 when the limit could not be set, 11 when `attempt`
/// returned, 12 when the error named the wrong call, 13 for anything else thrown.
///   EXPECT_EQ(status_short_of_descriptors([] { static_cast<void>(create()); }), 0);
template <class Attempt>
int status_short_of_descriptors(Attempt attempt) {
  const pid_t harness = ::fork();
  if (harness == 0) {
    if (!use_up_descriptors()) ::_exit(10);
    try {
      attempt();
      ::_exit(11);
    } catch (const std::system_error& e) {
      const std::string what = e.what();
      const bool named =
          what.find("socketpair") != std::string::npos && what.find("fork") == std::string::npos;
      ::_exit(e.code().value() == EMFILE && named ? 0 : 12);
    } catch (...) {
      ::_exit(13);
    }
  }
  int status = 0;
  if (harness < 0 || ::waitpid(harness, &status, 0) != harness || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

/// Nanoseconds on the monotonic clock, which every process on the machine shares.
inline long long now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class ForkTest : public ::testing::Test {
 protected:
  void SetUp() override { before_ = open_descriptors(); }

  void TearDown() override {
    // The iterator's own descriptor is gone by the time the set is returned.
    const std::set<int> after = open_descriptors();
    for (int fd : after) EXPECT_TRUE(before_.count(fd)) << "descriptor " << fd << " leaked";
    errno = 0;
    int status = 0;
    const pid_t child = ::waitpid(-1, &status, WNOHANG);
    EXPECT_EQ(child, -1) << "a child was left behind (waitpid gave " << child << ")";
    EXPECT_EQ(errno, ECHILD) << "a child process is still running";
  }

 private:
  std::set<int> before_;
};

}  // namespace pprocess::testing
