// The arithmetic of a speedup report: medians of repeated runs, speedup, efficiency, and what a
// band costs beyond its pixels. Shared by `pygmy speedup` and the benchmark report.
#include "pygmy/measure/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

namespace pygmy::measure {

double median(std::vector<double> values) {
  if (values.empty()) {
    throw std::invalid_argument("median of no values");
  }
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

double speedup(double baseline_seconds, double seconds) {
  return seconds > 0 ? baseline_seconds / seconds : 0;
}

double efficiency(double speedup, unsigned processes) {
  return processes > 0 ? speedup / processes : 0;
}

double cpu_per_band_above_ms(double cpu_seconds, double sequential_cpu_seconds, std::size_t bands) {
  return bands > 0 ? (cpu_seconds - sequential_cpu_seconds) * 1e3 / static_cast<double>(bands) : 0;
}

namespace {

// The value at fraction `q` of sorted `values`, by the nearest rank.
double percentile(const std::vector<double>& sorted, double q) {
  const auto last = static_cast<double>(sorted.size() - 1);
  return sorted[static_cast<std::size_t>(std::lround(q * last))];
}

// The values of `values` at the indices `draw`.
std::vector<double> picked(const std::vector<double>& values,
                           const std::vector<std::size_t>& draw) {
  std::vector<double> chosen;
  chosen.reserve(draw.size());
  for (std::size_t index : draw) chosen.push_back(values.at(index));
  return chosen;
}

}  // namespace

Interval bootstrap_interval(std::size_t rounds,
                            const std::function<double(const std::vector<std::size_t>&)>& statistic,
                            std::uint64_t seed, int resamples) {
  if (rounds == 0) throw std::invalid_argument("an interval of no rounds");
  // mt19937_64's numbers are fixed by the standard; the index is taken by a modulo, not by a
  // distribution (whose algorithm is the library's own), so the draws are the same everywhere.
  std::mt19937_64 generator(seed);
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(resamples));
  std::vector<std::size_t> draw(rounds);
  for (int r = 0; r < resamples; ++r) {
    for (std::size_t& index : draw) index = static_cast<std::size_t>(generator() % rounds);
    values.push_back(statistic(draw));
  }
  std::sort(values.begin(), values.end());
  return {percentile(values, 0.025), percentile(values, 0.975)};
}

std::pair<std::vector<double>, std::vector<double>> paired(const std::map<unsigned, double>& a,
                                                           const std::map<unsigned, double>& b) {
  std::pair<std::vector<double>, std::vector<double>> pairs;
  for (const auto& [round, value] : a) {
    if (const auto other = b.find(round); other != b.end()) {
      pairs.first.push_back(value);
      pairs.second.push_back(other->second);
    }
  }
  return pairs;
}

Interval median_interval(const std::vector<double>& values, std::uint64_t seed) {
  return bootstrap_interval(
      values.size(),
      [&values](const std::vector<std::size_t>& draw) { return median(picked(values, draw)); },
      seed);
}

Interval ratio_interval(const std::vector<double>& numerators,
                        const std::vector<double>& denominators, std::uint64_t seed) {
  if (numerators.size() != denominators.size()) {
    throw std::invalid_argument("a ratio's interval needs the same rounds on both sides");
  }
  return bootstrap_interval(
      numerators.size(),
      [&](const std::vector<std::size_t>& draw) {
        return speedup(median(picked(numerators, draw)), median(picked(denominators, draw)));
      },
      seed);
}

}  // namespace pygmy::measure
