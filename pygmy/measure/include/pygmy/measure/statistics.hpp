// The arithmetic of a speedup report: medians of repeated runs, speedup, efficiency, and what a
// band costs beyond its pixels. Shared by `pygmy speedup` and the benchmark report.
#pragma once

#include <cstddef>
#include <vector>

namespace pygmy::measure {

// The middle value of `values` (the mean of the two middle ones for an even count): unlike the
// mean, one run slowed by a busy machine barely moves it. std::invalid_argument when empty.
//   double m = median({0.9, 0.5, 0.7});       // 0.7
//   double n = median({0.4, 0.5, 0.7, 0.9});  // 0.6
[[nodiscard]] double median(std::vector<double> values);

// How many times faster than the baseline a render ran: baseline_seconds / seconds; 0 when
// seconds is not positive.
//   double s = speedup(1.0, 0.5);  // 2
[[nodiscard]] double speedup(double baseline_seconds, double seconds);

// The share of its processes' time that went into the speedup: speedup / processes (1 is ideal).
//   double e = efficiency(1.8, 2);  // 0.9
[[nodiscard]] double efficiency(double speedup, unsigned processes);

// What each band cost beyond rendering its pixels, in milliseconds of CPU: the CPU a render took
// above the sequential render's of the same image (forks, page faults, messages, copies), spread
// over its bands; 0 for no bands.
//   double ms = cpu_per_band_above_ms(2.10, 2.00, 50);  // 2 ms a band
[[nodiscard]] double cpu_per_band_above_ms(double cpu_seconds, double sequential_cpu_seconds,
                                           std::size_t bands);

}  // namespace pygmy::measure
