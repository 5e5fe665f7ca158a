// Private system-call helpers: descriptor ownership, EINTR retry, reaping, the channel registry.
#include "system.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <system_error>
#include <thread>
#include <vector>

namespace pprocess::detail {

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

void Fd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

namespace {

ExitStatus unknown_status(pid_t pid) {
  ExitStatus result;
  result.pid = pid;
  return result;
}

ExitStatus to_exit_status(pid_t pid, int status) {
  ExitStatus result = unknown_status(pid);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

std::optional<ExitStatus> wait_for(pid_t pid, int options) {
  int status = 0;
  const pid_t got = retry_eintr([&] { return ::waitpid(pid, &status, options); });
  if (got == pid) return to_exit_status(pid, status);
  if (got == 0) return std::nullopt;
  // ECHILD: someone else (waitall, a SIGCHLD handler) reaped it; its status is lost.
  if (errno == ECHILD) return unknown_status(pid);
  throw_errno("waitpid");
}

}  // namespace

ExitStatus reap(pid_t pid) { return *wait_for(pid, 0); }

std::optional<ExitStatus> try_reap(pid_t pid) { return wait_for(pid, WNOHANG); }

ExitStatus reap_or_kill(pid_t pid, int grace_ms) noexcept {
  try {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::milliseconds(grace_ms);
    auto pause = std::chrono::microseconds(50);
    while (clock::now() < deadline) {
      if (auto status = try_reap(pid)) return *status;
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::microseconds(10'000));
    }
    ::kill(pid, SIGKILL);
    return reap(pid);
  } catch (...) {
    return unknown_status(pid);
  }
}

namespace {

struct Registry {
  std::mutex mutex;
  std::vector<int> fds;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

std::unique_lock<std::mutex> ChannelRegistry::lock() {
  return std::unique_lock<std::mutex>(registry().mutex);
}

void ChannelRegistry::add(int fd) { registry().fds.push_back(fd); }

void ChannelRegistry::remove(int fd) {
  auto& fds = registry().fds;
  fds.erase(std::remove(fds.begin(), fds.end(), fd), fds.end());
}

void ChannelRegistry::close_all_except(int keep) noexcept {
  auto& fds = registry().fds;
  for (int fd : fds) {
    if (fd != keep) ::close(fd);
  }
  fds.assign(1, keep);
}

Pending peek(int fd) {
  char byte;
  const ssize_t got = retry_eintr([&] { return ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT); });
  if (got > 0) return Pending::data;
  if (got == 0) return Pending::end;
  if (errno == EAGAIN || errno == EWOULDBLOCK) return Pending::nothing;
  if (errno == ECONNRESET || errno == EPIPE) return Pending::end;
  throw_errno("pprocess: recv");
}

}  // namespace pprocess::detail
