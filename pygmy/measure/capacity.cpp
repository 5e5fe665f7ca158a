// What this machine can give a parallel program now: a compute-bound loop on one thread and on
// several.
#include "pygmy/measure/capacity.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

namespace pygmy::measure {

namespace {

// One unit: four independent chains of multiply-adds, so a core's floating-point units stay busy
// (as a raytracer's do) and two threads on SMT siblings slow each other as they would.
double run_units(std::uint64_t units) {
  double a = 1.0;
  double b = 1.1;
  double c = 1.2;
  double d = 1.3;
  for (std::uint64_t unit = 0; unit < units; ++unit) {
    for (int i = 0; i < 64; ++i) {
      a = a * 0.999999 + 0.000001;
      b = b * 0.999998 + 0.000002;
      c = c * 0.999997 + 0.000003;
      d = d * 0.999996 + 0.000004;
    }
  }
  return a + b + c + d;
}

// Keeps `value` from being optimised away.
void keep(double value) { asm volatile("" : : "g"(value) : "memory"); }

}  // namespace

double calibration_seconds(unsigned threads, std::uint64_t work) {
  const unsigned count = std::max(threads, 1U);
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> others;
  others.reserve(count - 1);
  for (unsigned t = 1; t < count; ++t) {
    others.emplace_back([units = work / count] { keep(run_units(units)); });
  }
  keep(run_units(work - (work / count) * (count - 1)));
  for (std::thread& other : others) other.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

std::uint64_t calibration_work(double seconds) {
  constexpr std::uint64_t kTrial = 20'000;
  double trial = calibration_seconds(1, kTrial);
  trial = std::min(trial, calibration_seconds(1, kTrial));  // the quieter of two
  const double units = trial > 0 ? seconds / trial * static_cast<double>(kTrial) : 1e6;
  return std::max<std::uint64_t>(1000, static_cast<std::uint64_t>(std::llround(units)));
}

}  // namespace pygmy::measure
