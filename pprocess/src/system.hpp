// Private system-call helpers: descriptor ownership, EINTR retry, reaping, the channel registry.
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <mutex>
#include <optional>

#include "pprocess/error.hpp"

namespace pprocess::detail {

/// Owns one descriptor; closes it on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  ~Fd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  /// Closes the descriptor (never retried: after EINTR it is already gone on Linux).
  void reset() noexcept;

 private:
  int fd_ = -1;
};

/// Repeats a system call interrupted by a signal.
template <class Call>
auto retry_eintr(Call call) {
  for (;;) {
    auto result = call();
    if (result != -1 || errno != EINTR) return result;
  }
}

/// Throws std::system_error for errno, naming the call that failed.
[[noreturn]] void throw_errno(const char* what);

/// Waits for process `pid` to end and reaps it.
ExitStatus reap(pid_t pid);
/// Reaps process `pid` if it has ended; nullopt while it runs.
std::optional<ExitStatus> try_reap(pid_t pid);
/// Waits up to `grace_ms` for `pid` to end, then kills it (SIGKILL) and reaps it.
ExitStatus reap_or_kill(pid_t pid, int grace_ms) noexcept;

/// The descriptors of every channel open in this process. fork copies all descriptors; a
/// created process must close its siblings' channels, or their peers never see end-of-file, and
/// only this list knows which descriptors those are. It is shared by every thread, so it is
/// guarded, and the lock is held across fork so that no half-registered channel leaks.
class ChannelRegistry {
 public:
  /// The registry of this process, locked for the caller.
  static std::unique_lock<std::mutex> lock();
  /// Each of these requires the lock.
  static void add(int fd);
  static void remove(int fd);
  /// In a created process: closes every registered descriptor except `keep`.
  static void close_all_except(int keep) noexcept;
};

/// What a readable descriptor holds: bytes to read, end-of-file, or nothing yet.
enum class Pending { data, end, nothing };
/// Looks at a descriptor without consuming anything.
Pending peek(int fd);

}  // namespace pprocess::detail
