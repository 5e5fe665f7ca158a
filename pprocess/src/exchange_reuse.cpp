// Exchange, reuse: a worker that delivered is handed the next tasks of its own callable over its
// channel, in a pipeline deep enough that it never waits for the exchange.
#include <algorithm>

#include "channel_access.hpp"
#include "pprocess/exchange.hpp"
#include "system.hpp"
#include "worker.hpp"

namespace pprocess {

namespace {

/// How many tasks a worker holds at once (the one it runs and those handed to it in advance):
/// enough to cover kLookahead of its work, so a worker of tiny tasks never waits for the
/// exchange, while a worker of long tasks holds only its own, which keeps the last tasks
/// spread over every worker.
constexpr std::chrono::microseconds kLookahead{200};
constexpr std::size_t kMaxPipelineDepth = 16;
/// The most bytes of arguments handed to a busy worker in advance. It may be writing a large
/// result meanwhile: what is handed over should fit in the socket's buffer, so that neither side
/// waits on the other.
constexpr std::size_t kMaxAdvanceBytes = 64 * 1024;

std::size_t pipeline_depth(const detail::Worker& worker) noexcept {
  if (worker.task_time.count() <= 0) return 2;  // not measured yet
  const double ahead = std::chrono::duration<double, std::micro>(kLookahead) / worker.task_time;
  return std::clamp<std::size_t>(1 + static_cast<std::size_t>(ahead), 1, kMaxPipelineDepth);
}

}  // namespace

void Exchange::after_delivery(Worker& worker, std::size_t frames_before) {
  if (detail::ChannelAccess::frames_received(worker.channel()) == frames_before) return;
  worker.delivered = true;
  if (!options_.continuous) worker.deadline.reset();  // a task that delivered is on time
  hand_over(worker);
}

void Exchange::hand_over(Worker& worker) {
  if (!options_.reuse || worker.tasks.empty() || worker.channel().received_error()) return;
  worker.tasks.pop_front();  // delivered
  worker.delivered = false;
  worker.front_posted = true;
  const auto now = Clock::now();
  if (worker.last_delivery != Clock::time_point{}) {
    const std::chrono::duration<double, std::micro> interval = now - worker.last_delivery;
    worker.task_time =
        worker.task_time.count() == 0 ? interval : 0.75 * worker.task_time + 0.25 * interval;
  }
  worker.last_delivery = now;
  // The next task starts now (it is waiting in the worker's channel, or is about to be).
  worker.started = now;
  if (options_.task_timeout) worker.deadline = detail::deadline_from(now, *options_.task_timeout);
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
      worker.channel().post(*next->encoded_args);  // a string travels as its bytes: the tuple's
    } catch (const Error&) {
      break;  // the worker has left: the task waits for another
    }
    if (detail::tracing()) {
      detail::trace("process " + std::to_string(worker.channel().pid()) + " reused for task " +
                    std::to_string(next->id));
    }
    advance_bytes += size;
    next->posted_bytes = size;
    next->encoded_args.reset();
    worker.tasks.push_back(std::move(*next));
    queue_.erase(next);
  }
  if (worker.tasks.empty()) {
    worker.channel().stop();
    worker.deadline.reset();
  }
}

}  // namespace pprocess
