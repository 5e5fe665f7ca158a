// The processes one rank of an MPI render forks once to share each of its bands (-j).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "band_timer.hpp"
#include "pprocess/channel.hpp"
#include "pprocess/process.hpp"
#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"

namespace pygmy::schedulers {

// `count` processes forked once, at construction, each rendering the rows it is sent until it is
// told to stop (at destruction). A band is split into as many parts as there are workers, one
// each; the parts are received straight into the band's rows. A worker whose part is still out
// past the deadline of bands (band_timeout, or the rule of band_deadline() over the parts timed
// so far), or that dies or fails, is ended, and this process renders its part itself: no row is
// lost, and the bands after are shared among the workers left.
//   RankWorkers workers(scene, 4);
//   workers.render(Band{0, 64}, image.rows(0, 64), [] {});
class RankWorkers {
 public:
  // Called in worker `worker` (0, 1, ...) before it renders its part number `part` (1, 2, ...):
  // tests inject faults here.
  using BeforePart = std::function<void(unsigned worker, int part)>;

  // Forks `count` workers (at least one) that render `scene`.
  RankWorkers(const Scene& scene, unsigned count,
              std::optional<std::chrono::milliseconds> band_timeout = std::nullopt,
              BeforePart before_part = {});

  // Renders rows [band.y0, band.y1) of the scene into `rows` (exactly that many rows), shared
  // among the workers; calls `between` each time one worker's part is in.
  void render(const Band& band, std::span<std::uint8_t> rows, const std::function<void()>& between);

  // The workers left.
  [[nodiscard]] std::size_t size() const { return channels_.size(); }
  // The workers ended so far because they stalled, died or failed.
  [[nodiscard]] std::size_t ended() const { return ended_; }

 private:
  using Clock = std::chrono::steady_clock;

  // Receives a part sent at `sent` from `channel` into `rows`; false if the worker is late,
  // died or failed.
  bool receive_part(pprocess::Channel& channel, std::span<std::uint8_t> rows,
                    Clock::time_point sent);
  // Ends worker `index` (a place in channels_) and forgets it.
  void end(std::size_t index);

  const Scene& scene_;
  BeforePart before_part_;
  BandTimer timer_;                        // of the parts
  std::vector<pprocess::Child> channels_;  // one per worker; closing one stops that worker
  std::size_t ended_ = 0;
};

}  // namespace pygmy::schedulers
