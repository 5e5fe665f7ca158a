// Exchange: its public face and bookkeeping. The jobs live beside it: the limit and the FIFO
// queue (exchange_launch.cpp), the poll loop (exchange_poll.cpp), reuse (exchange_reuse.cpp),
// failures and the end of processes (exchange_settle.cpp).
#include "pprocess/exchange.hpp"

#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <system_error>
#include <variant>

#include "channel_access.hpp"
#include "pprocess/cores.hpp"
#include "pprocess/process.hpp"
#include "system.hpp"
#include "worker.hpp"

namespace pprocess {

Exchange::Exchange(Options options, Handler handler)
    : options_(options),
      limit_(options.limit.value_or(available_cpus())),
      handler_(std::move(handler)),
      owner_(::getpid()) {
  if (limit_ == 0) {
    throw std::invalid_argument("pprocess::Exchange: a limit of 0 would never run anything");
  }
  if (options_.reuse && options_.continuous) {
    throw std::invalid_argument(
        "pprocess::Exchange: reuse and continuous cannot be combined (a continuous process has "
        "no end of task after which to reuse it)");
  }
  if (options_.task_timeout && options_.task_timeout->count() <= 0) {
    throw std::invalid_argument("pprocess::Exchange: a task timeout must be positive");
  }
}

Exchange::Exchange(Exchange&&) noexcept = default;

Exchange::~Exchange() {
  if (owner_ != ::getpid()) return;  // a copy inherited through fork owns nothing
  end_all();
}

void Exchange::add(Channel channel) { watch(Child(std::move(channel), Process()), std::nullopt); }

void Exchange::add(Child child) { watch(std::move(child), std::nullopt); }

void Exchange::add_wait(Channel channel) {
  wait();
  add(std::move(channel));
}

void Exchange::add_wait(Child child) {
  wait();
  add(std::move(child));
}

void Exchange::remove(Channel& channel) {
  const std::size_t index = index_of(channel);
  std::unique_ptr<Worker> worker = std::move(workers_[index]);
  workers_.erase(workers_.begin() + static_cast<std::ptrdiff_t>(index));
  // Tasks handed to it in advance have not started: they wait for another process.
  if (worker->tasks.size() > 1) {
    queue_.insert(queue_.begin(), std::make_move_iterator(std::next(worker->tasks.begin())),
                  std::make_move_iterator(worker->tasks.end()));
  }
  keep_removed(std::move(worker->child));
  start_queued();
}

void Exchange::wait() {
  while (busy()) store();
}

void Exchange::finish() {
  while (unfinished()) store();
}

void Exchange::store(std::optional<milliseconds> timeout) {
  start_queued();
  if (workers_.empty()) return;
  for (Channel* channel : ready(timeout)) {
    if (worker_of(*channel) != nullptr) deliver(*channel);  // a handler may have removed it
  }
}

std::optional<Channel> Exchange::create() {
  if (detail::tracing() && (busy() || !queue_.empty())) {
    detail::trace("task " + std::to_string(next_task_) + " waits for a slot (" +
                  std::to_string(workers_.size()) + " of " + std::to_string(limit_) +
                  " processes running)");
  }
  for (;;) {
    while (busy() || !queue_.empty()) store();  // queued work goes first
    std::variant<Child, detail::Shortage> created = detail::try_create(false);
    if (const auto* shortage = std::get_if<detail::Shortage>(&created)) {
      if (short_of_processes(shortage->error)) continue;
      throw shortage->as_error();
    }
    Child& child = std::get<Child>(created);
    if (child.pid() == 0) return std::move(child.channel());  // it owns no process here
    ++forks_;
    detail::Task task;
    task.id = next_task_++;
    if (detail::tracing()) {
      detail::trace("created process " + std::to_string(child.pid()) + " for task " +
                    std::to_string(task.id));
    }
    task.key = unique_key(typeid(void));
    watch(std::move(child), std::move(task));
    return std::nullopt;
  }
}

void Exchange::store_data(Channel& channel) {
  if (!handler_) {
    throw std::logic_error(
        "pprocess::Exchange: data arrived but there is no handler and store_data is not "
        "overridden");
  }
  handler_(channel);
}

void Exchange::task_failed(std::size_t, std::exception_ptr reason) {
  std::rethrow_exception(reason);
}

std::optional<std::size_t> Exchange::task_of(const Channel& channel) const {
  for (const auto& worker : workers_) {
    if (&worker->channel() == &channel) {
      if (worker->tasks.empty()) return std::nullopt;
      return worker->tasks.front().id;
    }
  }
  return std::nullopt;
}

bool Exchange::task_running(std::size_t task) const noexcept {
  return std::any_of(workers_.begin(), workers_.end(), [task](const auto& worker) {
    return std::any_of(worker->tasks.begin(), worker->tasks.end(),
                       [task](const detail::Task& t) { return t.id == task; });
  });
}

bool Exchange::delivered_all() const noexcept {
  if (options_.continuous || !queue_.empty()) return false;
  return std::all_of(workers_.begin(), workers_.end(), [](const auto& worker) {
    return worker->tasks.size() == 1 && (worker->delivered || worker->failure);
  });
}

std::optional<Exchange::milliseconds> Exchange::task_elapsed(const Channel& channel) const {
  for (const auto& worker : workers_) {
    if (&worker->channel() == &channel && !worker->tasks.empty()) {
      return std::chrono::duration_cast<milliseconds>(Clock::now() - worker->started);
    }
  }
  return std::nullopt;
}

void Exchange::set_task_timeout(std::optional<milliseconds> timeout) {
  if (timeout && timeout->count() <= 0) {
    throw std::invalid_argument("pprocess::Exchange: a task timeout must be positive");
  }
  options_.task_timeout = timeout;
  for (const auto& worker : workers_) {
    // Tasks being ended keep their grace period; those that delivered have no deadline.
    const bool on_time = worker->delivered && !options_.continuous;
    if (worker->stopping != Worker::Stopping::no || worker->tasks.empty() || on_time) continue;
    worker->deadline.reset();
    if (timeout) worker->deadline = detail::deadline_from(worker->started, *timeout);
  }
}

void Exchange::deliver(Channel& channel) {
  Worker& worker = *worker_of(channel);
  const std::size_t before = detail::ChannelAccess::frames_received(channel);
  // A value cut off part way must not hold the exchange past the task's deadline. The handler
  // may remove the channel: afterwards it is looked up again, never used through `worker`.
  const bool timed = worker.stopping == Worker::Stopping::no;
  detail::ChannelAccess::set_deadline(channel, timed ? worker.deadline : std::nullopt,
                                      worker.started);
  const auto still_watched = [this, &channel]() -> Worker* {
    Worker* still = worker_of(channel);
    if (still != nullptr) detail::ChannelAccess::set_deadline(still->channel(), std::nullopt, {});
    return still;
  };
  try {
    store_data(channel);
  } catch (const ProtocolError&) {
    // Bytes that are no value of the expected type: the task failed, and its process, which
    // may go on sending anything, is ended.
    if (Worker* still = still_watched()) return fail(*still, std::current_exception());
    throw;
  } catch (const TimedOut& e) {
    // The channel knows how long it waited; the exchange knows for which task.
    if (Worker* still = still_watched()) {
      const std::optional<std::size_t> task = task_of(channel);
      return fail(*still, std::make_exception_ptr(TimedOut(e.pid(), e.elapsed(), task)));
    }
    throw;
  } catch (const ChannelClosed&) {
    // It left at a frame boundary: how it ended is settled (and reported) once it is reaped.
    if (Worker* still = still_watched()) still->ended = true;
    return;
  } catch (...) {
    if (Worker* still = still_watched()) after_delivery(*still, before);
    throw;
  }
  if (Worker* still = still_watched()) after_delivery(*still, before);
}

Process* Exchange::process_of(const Channel& channel) noexcept {
  Worker* worker = worker_of(channel);
  return worker != nullptr ? worker->process() : nullptr;
}

Process* Exchange::process_of(pid_t pid) noexcept {
  if (pid <= 0) return nullptr;
  for (const auto& worker : workers_) {
    if (Process* process = worker->process(); process != nullptr && process->pid() == pid) {
      return process;
    }
  }
  return nullptr;
}

Exchange::Worker* Exchange::worker_of(const Channel& channel) noexcept {
  for (const auto& worker : workers_) {
    if (&worker->channel() == &channel) return worker.get();
  }
  return nullptr;
}

void Exchange::keep_removed(Child child) {
  if (options_.autoclose) child.close();
  auto kept = std::make_unique<Child>(std::move(child));
  removed_.push_back(kept.get());
  closed_.push_back(std::move(kept));
}

std::size_t Exchange::index_of(const Channel& channel) const {
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    if (&workers_[i]->channel() == &channel) return i;
  }
  throw std::invalid_argument("pprocess::Exchange: that channel is not watched by this exchange");
}

}  // namespace pprocess
