// Exchange, the poll loop: one poll over every channel and every process's end, with deadlines.
#include <poll.h>
#include <signal.h>

#include <algorithm>

#include "channel_access.hpp"
#include "pprocess/exchange.hpp"
#include "pprocess/process.hpp"
#include "system.hpp"
#include "worker.hpp"

namespace pprocess {

namespace {

/// Without pidfds (old kernels) a process whose channel has ended is looked at again after
/// pauses that grow up to this.
constexpr std::chrono::milliseconds kLongestPause{10};

}  // namespace

std::vector<Channel*> Exchange::ready(std::optional<milliseconds> timeout) {
  removed_.clear();
  if (options_.autoclose) closed_.clear();
  const Clock::time_point deadline =
      timeout ? detail::deadline_after(*timeout) : Clock::time_point::max();
  auto pause = std::chrono::duration_cast<Clock::duration>(std::chrono::microseconds(50));
  for (;;) {
    const bool settled = settle_ended();
    std::vector<Channel*> with_data;
    for (const auto& worker : workers_) {
      // Frames already read into a channel's buffer are invisible to poll: they are ready now.
      if (!worker->ended && detail::ChannelAccess::has_buffered(worker->channel())) {
        with_data.push_back(&worker->channel());
      }
    }
    Clock::time_point until = deadline;
    if (settled || !with_data.empty() || workers_.empty()) until = Clock::now();
    for (const auto& worker : workers_) {
      if (worker->deadline) until = std::min(until, *worker->deadline);
      if (worker->ended && !worker->exited && worker->process()->fileno() < 0) {
        until = std::min(until, Clock::now() + pause);
        pause = std::min(pause * 2, std::chrono::duration_cast<Clock::duration>(kLongestPause));
      }
    }
    poll_workers(with_data, until);
    expire_deadlines(with_data);
    const bool settled_now = settle_ended();
    if (settled || settled_now || !with_data.empty() || workers_.empty() ||
        Clock::now() >= deadline) {
      return with_data;
    }
  }
}

void Exchange::poll_workers(std::vector<Channel*>& with_data,
                            std::optional<Clock::time_point> until) {
  // Two entries a worker: its channel, then its process's end (-1 entries are skipped).
  std::vector<pollfd> fds;
  fds.reserve(2 * workers_.size());
  for (const auto& worker : workers_) {
    fds.push_back({worker->ended ? -1 : worker->channel().fileno(), POLLIN, 0});
    const int pidfd = worker->exited ? -1 : worker->process()->fileno();
    fds.push_back({worker->exit_seen ? -1 : pidfd, POLLIN, 0});
  }
  if (detail::poll_until(fds, until) == 0) return;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    Worker& worker = *workers_[i];
    const pollfd& channel = fds[2 * i];
    if (channel.fd >= 0 && channel.revents != 0 &&
        !detail::ChannelAccess::has_buffered(worker.channel())) {
      const detail::Pending pending =
          (channel.revents & POLLNVAL) ? detail::Pending::end : detail::peek(channel.fd);
      if (pending == detail::Pending::data) with_data.push_back(&worker.channel());
      if (pending == detail::Pending::end) worker.ended = true;
    }
    if (fds[2 * i + 1].fd >= 0 && fds[2 * i + 1].revents != 0) worker.exit_seen = true;
  }
}

void Exchange::expire_deadlines(const std::vector<Channel*>& with_data) {
  const Clock::time_point now = Clock::now();
  for (const auto& worker : workers_) {
    if (!worker->deadline || *worker->deadline > now) continue;
    Process* process = worker->process();
    if (worker->exited && process != nullptr) {
      worker->deadline.reset();  // it has ended: how is settled once its channel is read
      continue;
    }
    // What it sent in time (while another's value held the exchange up) is taken, not refused.
    const bool has_data =
        std::find(with_data.begin(), with_data.end(), &worker->channel()) != with_data.end();
    if (has_data && worker->stopping == Worker::Stopping::no) continue;
    switch (worker->stopping) {
      case Worker::Stopping::no: {
        const auto elapsed = std::chrono::duration_cast<milliseconds>(now - worker->started);
        const std::optional<std::size_t> task =
            worker->tasks.empty() ? std::nullopt : std::optional(worker->tasks.front().id);
        fail(*worker, std::make_exception_ptr(TimedOut(worker->channel().pid(), elapsed, task)));
        break;
      }
      case Worker::Stopping::terminated:
        process->signal(SIGKILL);
        worker->stopping = Worker::Stopping::killed;
        worker->deadline.reset();
        break;
      case Worker::Stopping::killed:
        worker->deadline.reset();
        break;
    }
  }
}

}  // namespace pprocess
