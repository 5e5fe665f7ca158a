// Exchange: the poll loop, the limit, the FIFO queue, reuse hand-over and failure reports.
#include "pprocess/exchange.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <string>

#include "pprocess/cores.hpp"
#include "system.hpp"

namespace pprocess {

namespace {

using Clock = std::chrono::steady_clock;

/// poll, retried after a signal with the time that is left; unset `timeout` waits for ever.
int poll_for(std::vector<pollfd>& fds, std::optional<Clock::duration> timeout) {
  const Clock::time_point deadline = timeout ? Clock::now() + *timeout : Clock::time_point::max();
  for (;;) {
    timespec wait{};
    if (timeout) {
      const auto left = std::max(deadline - Clock::now(), Clock::duration::zero());
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(left);
      wait.tv_sec = static_cast<time_t>(seconds.count());
      wait.tv_nsec = static_cast<long>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(left - seconds).count());
    }
    const int n = ::ppoll(fds.data(), fds.size(), timeout ? &wait : nullptr, nullptr);
    if (n >= 0) return n;
    if (errno != EINTR) detail::throw_errno("pprocess: ppoll");
  }
}

}  // namespace

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
}

Exchange::Exchange(Exchange&&) noexcept = default;

Exchange::~Exchange() {
  if (owner_ != ::getpid()) return;  // a copy inherited through fork owns nothing
  // Work still running is abandoned: end it now rather than wait for it; the channels' own
  // destructors then reap the processes. A process already reaped elsewhere (waitall) is left
  // alone: its pid may belong to someone else by now.
  for (const auto& worker : workers_) {
    const Channel& channel = worker->channel;
    if (channel.pid() > 0 && !channel.exit_status() && !detail::try_reap(channel.pid())) {
      ::kill(channel.pid(), SIGKILL);
    }
  }
}

void Exchange::add(Channel channel) { watch(std::move(channel), std::nullopt); }

void Exchange::watch(Channel channel, std::optional<detail::Task> task) {
  auto worker = std::make_unique<Worker>();
  worker->channel = std::move(channel);
  if (task) {
    worker->key = task->key;
    worker->tasks.push_back(std::move(*task));
  }
  workers_.push_back(std::move(worker));
}

void Exchange::add_wait(Channel channel) {
  wait();
  add(std::move(channel));
}

std::vector<Channel*> Exchange::ready(std::optional<milliseconds> timeout) {
  removed_.clear();
  if (options_.autoclose) closed_.clear();
  const Clock::time_point deadline = timeout ? Clock::now() + *timeout : Clock::time_point::max();
  // A process whose channel has ended is gone a moment later; one that lingers is looked at
  // again after pauses that grow, since no descriptor says when a process ends.
  auto pause = std::chrono::duration_cast<Clock::duration>(std::chrono::microseconds(50));
  for (;;) {
    const bool settled = settle_ended();
    std::vector<Channel*> with_data;
    bool awaiting_end = false;
    for (const auto& worker : workers_) {
      awaiting_end = awaiting_end || worker->ended;
      // Frames already read into a channel's buffer are invisible to poll: they are ready now.
      if (!worker->ended && worker->channel.has_buffered()) with_data.push_back(&worker->channel);
    }
    std::optional<Clock::duration> wait;  // for ever
    if (timeout) wait = std::max(deadline - Clock::now(), Clock::duration::zero());
    if (settled || !with_data.empty() || workers_.empty()) wait = Clock::duration::zero();
    if (awaiting_end) {
      wait = std::min(wait.value_or(pause), pause);
      pause = std::min(pause * 2, std::chrono::duration_cast<Clock::duration>(kLongestPause));
    }
    std::vector<pollfd> fds;
    fds.reserve(workers_.size());
    for (const auto& worker : workers_) {
      fds.push_back({worker->ended ? -1 : worker->channel.fileno(), POLLIN, 0});  // -1: skipped
    }
    if (poll_for(fds, wait) > 0) {
      for (std::size_t i = 0; i < fds.size(); ++i) {
        Channel& channel = workers_[i]->channel;
        if (fds[i].revents == 0 || fds[i].fd < 0 || channel.has_buffered()) continue;
        const detail::Pending pending =
            (fds[i].revents & POLLNVAL) ? detail::Pending::end : detail::peek(fds[i].fd);
        if (pending == detail::Pending::data) with_data.push_back(&channel);
        if (pending == detail::Pending::end) workers_[i]->ended = true;
      }
    }
    const bool settled_now = settle_ended();
    if (settled || settled_now || !with_data.empty() || workers_.empty() ||
        Clock::now() >= deadline) {
      return with_data;
    }
  }
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
  keep_removed(std::move(worker->channel));
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

Exchange::Worker* Exchange::worker_of(const Channel& channel) noexcept {
  for (const auto& worker : workers_) {
    if (&worker->channel == &channel) return worker.get();
  }
  return nullptr;
}

std::optional<Channel> Exchange::create() {
  while (busy() || !queue_.empty()) store();  // queued work goes first
  Channel channel = detail::create(false);
  if (channel.pid() == 0) return channel;
  detail::Task task;
  task.id = next_task_++;
  task.key = unique_key(typeid(void));
  watch(std::move(channel), std::move(task));
  return std::nullopt;
}

void Exchange::store_data(Channel& channel) {
  if (!handler_) {
    throw std::logic_error(
        "pprocess::Exchange: data arrived but there is no handler and store_data is not "
        "overridden");
  }
  handler_(channel);
}

void Exchange::task_failed(std::size_t, const ProcessDied& reason) { throw reason; }

std::optional<std::size_t> Exchange::task_of(const Channel& channel) const {
  for (const auto& worker : workers_) {
    if (&worker->channel == &channel) {
      if (worker->tasks.empty()) return std::nullopt;
      return worker->tasks.front().id;
    }
  }
  return std::nullopt;
}

void Exchange::submit(detail::Task task) {
  task.id = next_task_++;
  queue_.push_back(std::move(task));
  start_queued();
}

void Exchange::start_queued() {
  while (!busy() && !queue_.empty()) {
    launch(queue_.front());  // if the fork fails, the task stays first in line
    queue_.pop_front();
  }
}

void Exchange::launch(detail::Task& task) {
  task.posted_bytes = 0;  // it may have been handed to a worker that left: now it is forked for
  Channel channel = detail::create(options_.reuse);
  if (channel.pid() == 0) detail::run_and_exit(channel, [&] { task.run(channel); });
  watch(std::move(channel), std::move(task));
}

void Exchange::deliver(Channel& channel) {
  const std::size_t before = channel.frames_received();
  try {
    store_data(channel);
  } catch (const Error&) {
    // A frame cut off by its sender's death, or bytes that are no frame: the channel is shut,
    // and the process's end is settled (and reported) once it is seen.
    if (channel.broken()) return;
    after_delivery(channel, before);
    throw;
  } catch (...) {
    after_delivery(channel, before);
    throw;
  }
  after_delivery(channel, before);
}

void Exchange::after_delivery(Channel& channel, std::size_t frames_before) {
  Worker* worker = worker_of(channel);
  if (worker == nullptr || channel.frames_received() == frames_before) return;
  worker->delivered = true;
  hand_over(*worker);
}

void Exchange::hand_over(Worker& worker) {
  if (!options_.reuse || worker.tasks.empty() || worker.channel.received_error()) return;
  worker.tasks.pop_front();  // delivered
  worker.delivered = false;
  worker.front_posted = true;
  const auto now = std::chrono::steady_clock::now();
  if (worker.last_delivery != std::chrono::steady_clock::time_point{}) {
    const std::chrono::duration<double, std::micro> interval = now - worker.last_delivery;
    worker.task_time =
        worker.task_time.count() == 0 ? interval : 0.75 * worker.task_time + 0.25 * interval;
  }
  worker.last_delivery = now;
  const std::size_t depth = pipeline_depth(worker);
  std::size_t advance_bytes = 0;
  for (const detail::Task& task : worker.tasks) advance_bytes += task.posted_bytes;
  while (worker.tasks.size() < depth) {
    const auto next = std::find_if(queue_.begin(), queue_.end(), [&](const detail::Task& task) {
      return task.key == worker.key && task.encode_args;
    });
    if (next == queue_.end()) break;
    if (!next->encoded_args) next->encoded_args = next->encode_args();
    const std::size_t size = next->encoded_args->size();
    // An idle worker reads what it is handed; a busy one gets no more than fits unread.
    if (!worker.tasks.empty() && advance_bytes + size > kMaxAdvanceBytes) break;
    try {
      worker.channel.post(*next->encoded_args);  // a string travels as its bytes: the tuple's
    } catch (const Error&) {
      break;  // the worker has left: the task waits for another
    }
    advance_bytes += size;
    next->posted_bytes = size;
    next->encoded_args.reset();
    worker.tasks.push_back(std::move(*next));
    queue_.erase(next);
  }
  if (worker.tasks.empty()) worker.channel.stop();
}

std::size_t Exchange::pipeline_depth(const Worker& worker) noexcept {
  if (worker.task_time.count() <= 0) return 2;  // not measured yet
  const double ahead = std::chrono::duration<double, std::micro>(kLookahead) / worker.task_time;
  return std::clamp<std::size_t>(1 + static_cast<std::size_t>(ahead), 1, kMaxPipelineDepth);
}

bool Exchange::settle_ended() {
  bool settled = false;
  for (std::size_t i = 0; i < workers_.size();) {
    Worker& worker = *workers_[i];
    // A channel closed by its handler can no longer be polled: it has ended too.
    if (!worker.channel.is_open()) worker.ended = true;
    if (worker.ended && (worker.channel.pid() <= 0 || worker.channel.try_wait())) {
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
  const ExitStatus status = worker->channel.exit_status().value_or(ExitStatus{});
  const std::optional<std::size_t> failed = settle_tasks(*worker, status);
  keep_removed(std::move(worker->channel));
  start_queued();
  if (failed) task_failed(*failed, ProcessDied(status));
}

std::optional<std::size_t> Exchange::settle_tasks(Worker& worker, const ExitStatus& status) {
  if (worker.tasks.empty()) return std::nullopt;
  const Channel& channel = worker.channel;
  const bool abnormal =
      status.signal || (status.exit_code.value_or(0) != 0 && !channel.received_error());
  std::optional<std::size_t> failed;
  if (options_.continuous) {
    if (abnormal) failed = worker.tasks.front().id;
  } else if (!worker.delivered && (abnormal || !worker.front_posted)) {
    failed = worker.tasks.front().id;  // it ran, or may have, and left no result
  }
  if (failed || worker.delivered || options_.continuous) worker.tasks.pop_front();
  // What remains was handed over in advance and never read by a worker that left on its own
  // (or was killed before reaching it): it runs again, first in line.
  queue_.insert(queue_.begin(), std::make_move_iterator(worker.tasks.begin()),
                std::make_move_iterator(worker.tasks.end()));
  worker.tasks.clear();
  return failed;
}

void Exchange::keep_removed(Channel channel) {
  if (options_.autoclose) channel.close();
  auto kept = std::make_unique<Channel>(std::move(channel));
  removed_.push_back(kept.get());
  closed_.push_back(std::move(kept));
}

std::size_t Exchange::index_of(const Channel& channel) const {
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    if (&workers_[i]->channel == &channel) return i;
  }
  throw std::invalid_argument("pprocess::Exchange: that channel is not watched by this exchange");
}

}  // namespace pprocess
