// Private system-call helpers: EINTR retry, errors, deadlines, poll, reaping, the registry.
#include "system.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace pprocess::detail {

void Fd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void throw_error(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

void reset_signals() noexcept {
  for (int signal = 1; signal < NSIG; ++signal) {
    struct sigaction action {};
    // Fails for SIGKILL, SIGSTOP and the C library's own signals, which keep their action.
    if (::sigaction(signal, nullptr, &action) != 0) continue;
    if (action.sa_handler == SIG_DFL) continue;
    // Ignored SIGCHLD would have the kernel reap this process's own children before their
    // Process could learn how they ended: only that one is not left ignored.
    if (action.sa_handler == SIG_IGN && signal != SIGCHLD) continue;
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    ::sigaction(signal, &default_action, nullptr);
  }
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

bool tracing() noexcept {
  static const bool enabled = [] {
    const char* value = std::getenv("PPROCESS_TRACE");
    return value != nullptr && *value != '\0' && std::string_view(value) != "0";
  }();
  return enabled;
}

void trace(const std::string& event) noexcept {
  if (!tracing()) return;
  try {
    const std::string line = "pprocess[" + std::to_string(::getpid()) + "]: " + event + "\n";
    std::size_t done = 0;
    while (done < line.size()) {
      const ssize_t wrote = retry_eintr(
          [&] { return ::write(STDERR_FILENO, line.data() + done, line.size() - done); });
      if (wrote <= 0) return;
      done += static_cast<std::size_t>(wrote);
    }
  } catch (...) {
  }
}

void flush_output() noexcept {
  std::cout.flush();
  std::cerr.flush();
  std::clog.flush();
  std::fflush(nullptr);
}

Clock::time_point deadline_after(Clock::duration timeout) noexcept {
  const Clock::time_point now = Clock::now();
  if (timeout <= Clock::duration::zero()) return now;
  if (timeout >= Clock::time_point::max() - now) return Clock::time_point::max();
  return now + timeout;
}

Clock::time_point deadline_from(Clock::time_point start,
                                std::chrono::milliseconds timeout) noexcept {
  if (timeout <= std::chrono::milliseconds::zero()) return start;
  // Compared in milliseconds, where the room left cannot overflow: the clock's own ticks are
  // finer, and milliseconds::max() does not fit in them.
  const auto room =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max() - start);
  if (timeout >= room) return Clock::time_point::max();
  return start + timeout;
}

int poll_until(std::vector<pollfd>& fds, std::optional<Clock::time_point> deadline) {
  for (;;) {
    timespec wait{};
    const bool forever = !deadline || *deadline == Clock::time_point::max();
    if (!forever) {
      const auto left = std::max(*deadline - Clock::now(), Clock::duration::zero());
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(left);
      wait.tv_sec = static_cast<time_t>(seconds.count());
      wait.tv_nsec = static_cast<long>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(left - seconds).count());
    }
    const int n = ::ppoll(fds.data(), fds.size(), forever ? nullptr : &wait, nullptr);
    if (n >= 0) return n;
    if (errno != EINTR) throw_errno("pprocess: ppoll");
  }
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

Fd open_pidfd(pid_t pid) noexcept {
  // Close-on-exec by default; glibc 2.36 has no wrapper everywhere, the system call does.
  return Fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
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

void close_registered(Fd& fd) noexcept {
  if (!fd) return;
  auto lock = ChannelRegistry::lock();
  ChannelRegistry::remove(fd.get());
  fd.reset();
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
