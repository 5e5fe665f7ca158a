// Private system-call helpers: EINTR retry, errors, deadlines, poll, reaping, the registry of
// descriptors that created processes must not keep.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <cerrno>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pprocess/detail/fd.hpp"
#include "pprocess/error.hpp"

namespace pprocess::detail {

using Clock = std::chrono::steady_clock;

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
/// Throws std::system_error for `error`, with `what` saying what failed.
[[noreturn]] void throw_error(int error, const std::string& what);

/// In a process just forked: every signal handler back to the default action and no signal
/// blocked, as after exec (reproc's children do the same), so the creator's handlers, written
/// for the creator's state, never run here. Ignored signals stay ignored (nohup's promise), but
/// for SIGCHLD.
void reset_signals() noexcept;

/// Whether PPROCESS_TRACE is set (to anything but "" or "0"): read from the environment once,
/// at the first call, and kept for the life of the process.
[[nodiscard]] bool tracing() noexcept;
/// When tracing, writes "pprocess[PID]: <event>" and a newline on stderr, in one write, so that
/// the lines of several processes never mix. For a learner watching processes come and go.
///   if (detail::tracing()) detail::trace("created process " + std::to_string(pid));
void trace(const std::string& event) noexcept;

/// Flushes C and C++ standard output: what is buffered before fork would otherwise be printed by
/// both processes.
void flush_output() noexcept;

/// `now + timeout`, or the end of time when that would overflow (a timeout of
/// milliseconds::max() means "as long as it takes", not "already expired").
[[nodiscard]] Clock::time_point deadline_after(Clock::duration timeout) noexcept;
template <class Rep, class Period>
[[nodiscard]] Clock::time_point deadline_after(
    std::chrono::duration<Rep, Period> timeout) noexcept {
  using Wide = std::chrono::duration<double, std::nano>;
  if (Wide(timeout) >= Wide(Clock::duration::max())) return Clock::time_point::max();
  return deadline_after(std::chrono::duration_cast<Clock::duration>(timeout));
}

/// `start + timeout`, or the end of time when that would overflow: a task timeout of
/// milliseconds::max() is no deadline, not one already past.
[[nodiscard]] Clock::time_point deadline_from(Clock::time_point start,
                                              std::chrono::milliseconds timeout) noexcept;

/// ppoll until `deadline` (for ever when unset), retried after a signal with the time left.
/// Returns the number of descriptors with events; 0 when the deadline passed.
int poll_until(std::vector<pollfd>& fds, std::optional<Clock::time_point> deadline);

/// Waits for process `pid` to end and reaps it.
ExitStatus reap(pid_t pid);
/// Reaps process `pid` if it has ended; nullopt while it runs.
std::optional<ExitStatus> try_reap(pid_t pid);
/// A descriptor that becomes readable when child `pid` ends (pidfd_open); empty when the kernel
/// has none. The caller registers it.
Fd open_pidfd(pid_t pid) noexcept;

/// The descriptors of every channel and process handle open in this process. fork copies all
/// descriptors; a created process must close its siblings' channels, or their peers never see
/// end-of-file, and only this list knows which descriptors those are. It is shared by every
/// thread, so it is guarded, and the lock is held across fork so that no half-registered
/// descriptor leaks.
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

/// Closes a registered descriptor, taking it out of the registry first (under the lock, so that
/// a fork elsewhere sees it either registered, and closes it in the child, or gone).
void close_registered(Fd& fd) noexcept;

/// What a readable descriptor holds: bytes to read, end-of-file, or nothing yet.
enum class Pending { data, end, nothing };
/// Looks at a descriptor without consuming anything.
Pending peek(int fd);

}  // namespace pprocess::detail
