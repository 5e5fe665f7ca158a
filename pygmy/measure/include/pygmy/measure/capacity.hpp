// What this machine can give a parallel program now: a compute-bound loop (no memory traffic, no
// sharing) timed on one thread and on several. Its speedup is the ceiling of any render's: SMT
// siblings, a throttled host or a cgroup quota all show there.
#pragma once

#include <cstdint>

namespace pygmy::measure {

// Runs `work` units of the calibration loop split evenly over `threads` threads (at least one),
// and returns the wall seconds it took. Each unit is a few hundred floating-point operations in
// registers; threads share nothing but their start and end.
//   double one = calibration_seconds(1, work);
//   double two = calibration_seconds(2, work);  // capacity at 2: one / two
[[nodiscard]] double calibration_seconds(unsigned threads, std::uint64_t work);

// The units of work that take about `seconds` on one thread here (at least 1000), from a short
// trial run.
//   std::uint64_t work = calibration_work(0.1);
[[nodiscard]] std::uint64_t calibration_work(double seconds);

}  // namespace pygmy::measure
