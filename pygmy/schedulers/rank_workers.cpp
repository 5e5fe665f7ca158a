// The processes one rank of an MPI render forks once to share each of its bands (-j).
#include "rank_workers.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>

#include "pprocess/process.hpp"

namespace pygmy::schedulers {

namespace {

// A worker: renders the rows it is sent, and sends their pixels back, until told to stop.
void serve_rows(pprocess::Channel& channel, const Scene& scene) {
  while (const auto rows = channel.receive_or_stop<std::pair<int, int>>()) {
    const std::vector<std::uint8_t> pixels = render_band(scene, rows->first, rows->second);
    channel.send(std::span(pixels.data(), pixels.size()));
  }
}

}  // namespace

RankWorkers::RankWorkers(const Scene& scene, unsigned count) : scene_(scene) {
  channels_.reserve(std::max(count, 1U));
  for (unsigned i = 0; i < std::max(count, 1U); ++i) {
    channels_.push_back(pprocess::start(
        [](pprocess::Channel& channel, const Scene* scene) { serve_rows(channel, *scene); },
        &scene_));
  }
}

void RankWorkers::render(const Band& band, std::span<std::uint8_t> rows,
                         const std::function<void()>& between) {
  const int height = band.y1 - band.y0;
  const std::size_t row_bytes = static_cast<std::size_t>(scene_.width) * 3;
  const int parts = std::min(static_cast<int>(channels_.size()), height);
  // Every part is sent before any is received, so the workers render at the same time.
  std::vector<Band> split;
  for (int i = 0; i < parts; ++i) {
    split.push_back({band.y0 + height * i / parts, band.y0 + height * (i + 1) / parts});
    channels_[static_cast<std::size_t>(i)].send(std::pair{split.back().y0, split.back().y1});
  }
  for (int i = 0; i < parts; ++i) {
    const Band& part = split[static_cast<std::size_t>(i)];
    channels_[static_cast<std::size_t>(i)].receive_into(
        rows.subspan(static_cast<std::size_t>(part.y0 - band.y0) * row_bytes,
                     static_cast<std::size_t>(part.y1 - part.y0) * row_bytes));
    between();
  }
}

}  // namespace pygmy::schedulers
