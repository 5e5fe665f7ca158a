// The processes one rank of an MPI render forks once to share each of its bands (-j).
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "pprocess/process.hpp"
#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"

namespace pygmy::schedulers {

// `count` processes forked once, at construction, each rendering the rows it is sent until it is
// told to stop (at destruction). A band is split into as many parts as there are workers, one
// each; the parts are received straight into the band's rows. A worker that dies, or fails, makes
// render() throw (pprocess::ChannelClosed, pprocess::RemoteError).
//   RankWorkers workers(scene, 4);
//   workers.render(Band{0, 64}, image.rows(0, 64), [] {});
class RankWorkers {
 public:
  // Forks `count` workers (at least one) that render `scene`.
  RankWorkers(const Scene& scene, unsigned count);

  // Renders rows [band.y0, band.y1) of the scene into `rows` (exactly that many rows), shared
  // among the workers; calls `between` each time one worker's part has arrived.
  void render(const Band& band, std::span<std::uint8_t> rows, const std::function<void()>& between);

  // The workers.
  [[nodiscard]] std::size_t size() const { return channels_.size(); }

 private:
  const Scene& scene_;
  std::vector<pprocess::Child> channels_;  // one per worker; closing one stops that worker
};

}  // namespace pygmy::schedulers
