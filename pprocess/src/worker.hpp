// Worker: what an Exchange knows of one watched channel and the process behind it.
#pragma once

#include <chrono>
#include <deque>
#include <exception>
#include <optional>

#include "pprocess/channel.hpp"
#include "pprocess/exchange.hpp"
#include "pprocess/process.hpp"

namespace pprocess::detail {

struct Worker {
  using Clock = std::chrono::steady_clock;

  /// Its channel and, when the exchange created its process, that process.
  Child child;
  /// The task it works on first, then (reuse) those handed to it in advance; empty for a
  /// channel added from elsewhere.
  std::deque<Task> tasks;
  CallableKey key;
  bool delivered = false;     // the first task has delivered its result
  bool front_posted = false;  // the first task was handed over, not the one forked for
  bool ended = false;         // nothing more to read: end-of-file, closed, or given up on
  bool exited = false;        // the process has ended and been reaped (or there is none)
  bool exit_seen = false;     // its pidfd said it has ended: reap it
  /// Why its first task failed, when the Exchange decided it (TimedOut, ProtocolError).
  std::exception_ptr failure;
  /// What was done to end it: nothing, SIGTERM, then SIGKILL.
  enum class Stopping { no, terminated, killed } stopping = Stopping::no;
  Clock::time_point started{};                // when its first task started
  std::optional<Clock::time_point> deadline;  // of its task, or of SIGKILL while terminating
  // Reuse: when it last delivered, and how long a task takes it (a moving average).
  Clock::time_point last_delivery{};
  std::chrono::duration<double, std::micro> task_time{0};

  [[nodiscard]] Channel& channel() noexcept { return child.channel(); }
  [[nodiscard]] const Channel& channel() const noexcept { return child.channel(); }
  /// Its process, or nullptr for a channel to a process nobody here created.
  [[nodiscard]] Process* process() noexcept { return child.process(); }
  /// Whether it still owes a result: its first task has not delivered, or tasks wait in it.
  [[nodiscard]] bool owes_work(bool continuous) const noexcept {
    return (!tasks.empty() && !delivered) || tasks.size() > 1 || (continuous && !ended);
  }
};

}  // namespace pprocess::detail
