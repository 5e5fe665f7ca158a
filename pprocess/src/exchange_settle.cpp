// Exchange, failures and the end of processes: who failed and why, reaping, and what the
// destructor ends.
#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <iterator>

#include "channel_access.hpp"
#include "pprocess/exchange.hpp"
#include "pprocess/process.hpp"
#include "system.hpp"
#include "worker.hpp"

namespace pprocess {

namespace {

/// How long the destructor waits for processes that delivered to end by themselves.
constexpr std::chrono::seconds kDeliveredGrace{10};
/// Without pidfds, how often the destructor looks at the processes it waits for.
constexpr std::chrono::milliseconds kLongestLook{10};

/// Whether the process ended of a signal the exchange did not send: it died by itself (a crash,
/// or killed by someone else), which explains a value cut off part way.
bool died_by_itself(const ExitStatus& status, detail::Worker::Stopping stopping) {
  using Stopping = detail::Worker::Stopping;
  if (!status.signal) return false;
  if (stopping == Stopping::no) return true;
  return !(*status.signal == SIGTERM ||
           (*status.signal == SIGKILL && stopping == Stopping::killed));
}

}  // namespace

void Exchange::fail(Worker& worker, std::exception_ptr reason) {
  if (!worker.failure) worker.failure = std::move(reason);
  worker.ended = true;  // whatever it sends from now on is not read
  if (worker.exited) {
    // Nothing here to end: it has ended, or it is a background process, nobody's child, which
    // keeps what it has not delivered for a later client. Its channel is closed when it retires.
    worker.deadline.reset();
    return;
  }
  if (worker.stopping != Worker::Stopping::no) return;
  worker.process()->signal(SIGTERM);
  worker.stopping = Worker::Stopping::terminated;
  worker.deadline = Clock::now() + Process::kGrace;
}

bool Exchange::settle_ended() {
  bool settled = false;
  for (std::size_t i = 0; i < workers_.size();) {
    Worker& worker = *workers_[i];
    // A channel closed by its handler can no longer be polled: it has ended too.
    if (!worker.channel().is_open()) worker.ended = true;
    Process* const process = worker.process();  // none for a persistent connection: exited
    if (!worker.exited && (worker.exit_seen || worker.ended || process->fileno() < 0)) {
      worker.exited = process->try_wait().has_value();
    }
    // Ended, yet its channel stays open (a process it started holds the socket): once nothing
    // is left to read, it has nothing more to say. A channel with no process of ours ends at
    // end-of-file only.
    if (process != nullptr && worker.exited && !worker.ended &&
        !detail::ChannelAccess::has_buffered(worker.channel()) &&
        detail::peek(worker.channel().fileno()) == detail::Pending::nothing) {
      worker.ended = true;
    }
    if (worker.ended && worker.exited) {
      settled = true;
      retire(i);  // erases workers_[i]: the next one moves into place
    } else {
      ++i;
    }
  }
  return settled;
}

void Exchange::retire(std::size_t index) {
  std::unique_ptr<Worker> worker = std::move(workers_[index]);
  workers_.erase(workers_.begin() + static_cast<std::ptrdiff_t>(index));
  std::exception_ptr reason;
  const std::optional<std::size_t> failed = settle_tasks(*worker, reason);
  keep_removed(std::move(worker->child));
  start_queued();
  if (!reason) return;
  if (failed) return task_failed(*failed, reason);
  std::rethrow_exception(reason);  // a channel added from elsewhere: its handler's problem
}

std::optional<std::size_t> Exchange::settle_tasks(Worker& worker, std::exception_ptr& reason) {
  const Child& child = worker.child;
  const ExitStatus status = child.exit_status().value_or(ExitStatus{child.pid(), {}, {}});
  const bool abnormal =
      status.signal || (status.exit_code.value_or(0) != 0 && !child.received_error());
  std::optional<std::size_t> task;
  if (!worker.tasks.empty()) task = worker.tasks.front().id;
  if (worker.failure && !died_by_itself(status, worker.stopping)) {
    reason = worker.failure;  // it timed out, or sent bytes that are no value
  } else if (options_.continuous ? abnormal
                                 : !worker.delivered && (abnormal || !worker.front_posted)) {
    // It ran (or may have) and left no result: a crash, an early exit, or a value cut off.
    if (task || worker.failure) reason = std::make_exception_ptr(ProcessDied(status, task));
  }
  if (!worker.tasks.empty() && (reason || worker.delivered || options_.continuous)) {
    worker.tasks.pop_front();
  }
  // What remains was handed over in advance and never read by a worker that left on its own
  // (or was killed before reaching it): it runs again, first in line.
  queue_.insert(queue_.begin(), std::make_move_iterator(worker.tasks.begin()),
                std::make_move_iterator(worker.tasks.end()));
  worker.tasks.clear();
  return task;
}

void Exchange::end_all() noexcept {
  // Those that owe work are asked to end now; those that delivered may still be writing their
  // output, and are given time to end by themselves. Then whoever is left is killed, all at
  // once rather than one grace period after another.
  const Clock::time_point now = Clock::now();
  std::vector<std::pair<Process*, Clock::time_point>> running;
  for (const auto& worker : workers_) {
    Process* process = worker->process();
    if (process == nullptr || worker->exited || process->exit_status()) continue;
    if (worker->owes_work(options_.continuous)) {
      process->signal(SIGTERM);
      running.emplace_back(process, now + Process::kGrace);
    } else {
      running.emplace_back(process, now + kDeliveredGrace);
    }
  }
  try {
    while (!running.empty()) {
      std::vector<pollfd> fds;
      Clock::time_point until = Clock::time_point::max();
      for (const auto& [process, kill_at] : running) {
        fds.push_back({process->fileno(), POLLIN, 0});
        until = std::min(until, kill_at);
      }
      const bool without_pidfds =
          std::any_of(fds.begin(), fds.end(), [](const pollfd& p) { return p.fd < 0; });
      if (without_pidfds) until = std::min(until, Clock::now() + kLongestLook);
      detail::poll_until(fds, until);
      const Clock::time_point after = Clock::now();
      std::erase_if(running, [after](auto& entry) {
        auto& [process, kill_at] = entry;
        if (process->try_wait()) return true;
        if (after < kill_at) return false;
        process->signal(SIGKILL);
        process->wait();
        return true;
      });
    }
  } catch (...) {
    // The processes' own destructors reap whatever is left.
  }
}

}  // namespace pprocess
