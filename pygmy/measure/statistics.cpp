// The arithmetic of a speedup report: medians of repeated runs, speedup, efficiency, and what a
// band costs beyond its pixels. Shared by `pygmy speedup` and the benchmark report.
#include "pygmy/measure/statistics.hpp"

#include <algorithm>
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

}  // namespace pygmy::measure
