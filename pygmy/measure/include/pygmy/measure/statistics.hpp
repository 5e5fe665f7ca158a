// The arithmetic of a speedup report: medians of repeated runs, speedup, efficiency, and what a
// band costs beyond its pixels. Shared by `pygmy speedup` and the benchmark report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>
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

// A 95% confidence interval: where the true value lies, 19 times in 20.
struct Interval {
  double low = 0;
  double high = 0;

  friend bool operator==(const Interval&, const Interval&) = default;

  // Half its width relative to `value`: 0.03 for ±3%; 0 when `value` is not positive.
  [[nodiscard]] double relative_half_width(double value) const {
    return value > 0 ? (high - low) / 2 / value : 0;
  }
};

// How many resamples a bootstrap draws: enough for the 2.5th and 97.5th percentiles to settle
// to about a tenth of the interval.
inline constexpr int kResamples = 2000;

// The percentile bootstrap 95% interval of a statistic of rounds: `rounds` indices are drawn with
// replacement `resamples` times (by a generator keyed by `seed`, the same draws on every
// machine), the statistic computed on each draw, and the 2.5th and 97.5th percentiles of those
// values returned. Drawing whole rounds keeps together what one round measured (the sequential
// render and a parallel one of the same minute), so a ratio's interval sees their pairing.
// std::invalid_argument for no rounds.
//   Interval i = bootstrap_interval(5, [&](const std::vector<std::size_t>& draw) { ... });
[[nodiscard]] Interval bootstrap_interval(
    std::size_t rounds, const std::function<double(const std::vector<std::size_t>&)>& statistic,
    std::uint64_t seed = 1, int resamples = kResamples);

// The values of the rounds (keys) that `a` and `b` both have, in pairs, by round: what a ratio's
// interval is drawn from when some rounds lack one side.
//   auto [sequential, pool] = paired({{0, 1.0}, {1, 1.1}}, {{1, 0.6}});  // {1.1}, {0.6}
[[nodiscard]] std::pair<std::vector<double>, std::vector<double>> paired(
    const std::map<unsigned, double>& a, const std::map<unsigned, double>& b);

// The 95% interval of the median of `values` (one per round).
//   Interval i = median_interval({0.50, 0.52, 0.49, 0.51});
[[nodiscard]] Interval median_interval(const std::vector<double>& values, std::uint64_t seed = 1);

// The 95% interval of median(numerators) / median(denominators), the two measured in the same
// rounds (the same length): a speedup's interval.
//   Interval i = ratio_interval(sequential_seconds, pool_seconds);
[[nodiscard]] Interval ratio_interval(const std::vector<double>& numerators,
                                      const std::vector<double>& denominators,
                                      std::uint64_t seed = 1);

}  // namespace pygmy::measure
