// The deadline of bands, for every scheduler that ends a worker whose band runs too long.
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "pygmy/schedulers.hpp"

namespace pygmy::schedulers {

// The deadline of bands: the plan's, or band_deadline() of the bands timed so far.
//   BandTimer timer(plan.band_timeout);
//   timer.finished(40ms);
//   if (auto limit = timer.deadline(); limit && elapsed > *limit) end_the_worker();
class BandTimer {
 public:
  explicit BandTimer(std::optional<std::chrono::milliseconds> fixed) : fixed_(fixed) {}
  // The deadline of bands now.
  [[nodiscard]] std::optional<std::chrono::milliseconds> deadline() const {
    return fixed_ ? fixed_ : band_deadline(finished_);
  }
  // Records a band that took `elapsed`; returns the deadline from now on.
  std::optional<std::chrono::milliseconds> finished(std::chrono::milliseconds elapsed) {
    finished_.push_back(elapsed);
    return deadline();
  }

 private:
  std::optional<std::chrono::milliseconds> fixed_;
  std::vector<std::chrono::milliseconds> finished_;
};

}  // namespace pygmy::schedulers
