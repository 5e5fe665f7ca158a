// The processes one rank of an MPI render forks once to share each of its bands (-j).
#include "rank_workers.hpp"

#include <signal.h>

#include <algorithm>
#include <cstddef>
#include <utility>

#include "pprocess/error.hpp"
#include "pprocess/process.hpp"

namespace pygmy::schedulers {

namespace {

using std::chrono::milliseconds;

// A worker: renders the rows it is sent, and sends their pixels back, until told to stop.
void serve_rows(pprocess::Channel& channel, const Scene& scene, unsigned worker,
                const RankWorkers::BeforePart& before_part) {
  int parts = 0;
  while (const auto rows = channel.receive_or_stop<std::pair<int, int>>()) {
    if (before_part) before_part(worker, ++parts);
    const std::vector<std::uint8_t> pixels = render_band(scene, rows->first, rows->second);
    channel.send(std::span(pixels.data(), pixels.size()));
  }
}

}  // namespace

RankWorkers::RankWorkers(const Scene& scene, unsigned count,
                         std::optional<milliseconds> band_timeout, BeforePart before_part)
    : scene_(scene), before_part_(std::move(before_part)), timer_(band_timeout) {
  channels_.reserve(std::max(count, 1U));
  for (unsigned i = 0; i < std::max(count, 1U); ++i) {
    channels_.push_back(pprocess::start(
        [](pprocess::Channel& channel, const Scene* scene, unsigned worker,
           const BeforePart* before_part) { serve_rows(channel, *scene, worker, *before_part); },
        &scene_, i, &before_part_));
  }
}

void RankWorkers::render(const Band& band, std::span<std::uint8_t> rows,
                         const std::function<void()>& between) {
  const int height = band.y1 - band.y0;
  const std::size_t row_bytes = static_cast<std::size_t>(scene_.width) * 3;
  const auto rows_of = [&](const Band& part) {
    return rows.subspan(static_cast<std::size_t>(part.y0 - band.y0) * row_bytes,
                        static_cast<std::size_t>(part.y1 - part.y0) * row_bytes);
  };
  const int parts = std::min(static_cast<int>(channels_.size()), height);
  if (parts == 0) {  // every worker has been ended: this process renders alone
    render_band_into(scene_, band.y0, band.y1, rows);
    between();
    return;
  }
  // Every part is posted before any is received, so the workers render at the same time. A
  // post does not wait for the worker, so a stalled one cannot hold it up.
  std::vector<Band> split;
  std::vector<bool> failed(static_cast<std::size_t>(parts), false);
  const Clock::time_point sent = Clock::now();
  for (int i = 0; i < parts; ++i) {
    split.push_back({band.y0 + height * i / parts, band.y0 + height * (i + 1) / parts});
    try {
      channels_[static_cast<std::size_t>(i)].post(std::pair{split.back().y0, split.back().y1});
    } catch (const pprocess::Error&) {
      failed[static_cast<std::size_t>(i)] = true;
    }
  }
  for (int i = 0; i < parts; ++i) {
    const auto at = static_cast<std::size_t>(i);
    const Band& part = split[at];
    if (!failed[at]) failed[at] = !receive_part(channels_[at].channel(), rows_of(part), sent);
    if (failed[at]) render_band_into(scene_, part.y0, part.y1, rows_of(part));
    between();
  }
  for (std::size_t i = failed.size(); i-- > 0;) {
    if (failed[i]) end(i);
  }
}

bool RankWorkers::receive_part(pprocess::Channel& channel, std::span<std::uint8_t> rows,
                               Clock::time_point sent) {
  try {
    if (const std::optional<milliseconds> deadline = timer_.deadline()) {
      const auto out = std::chrono::duration_cast<milliseconds>(Clock::now() - sent);
      const auto pixels =
          channel.receive<std::vector<std::uint8_t>>(std::max(*deadline - out, milliseconds(1)));
      if (pixels.size() != rows.size()) return false;
      std::copy(pixels.begin(), pixels.end(), rows.begin());
    } else {
      channel.receive_into(rows);
    }
  } catch (const pprocess::Error&) {
    return false;  // TimedOut, ChannelClosed, RemoteError, ProtocolError
  }
  timer_.finished(std::chrono::duration_cast<milliseconds>(Clock::now() - sent));
  return true;
}

void RankWorkers::end(std::size_t index) {
  // A stopped process would only take SIGKILL; the Child's destructor then reaps it at once.
  if (pprocess::Process* process = channels_[index].process()) process->signal(SIGKILL);
  channels_.erase(channels_.begin() + static_cast<std::ptrdiff_t>(index));
  ++ended_;
}

}  // namespace pygmy::schedulers
