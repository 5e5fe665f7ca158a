// What else used the CPUs while a measurement ran: the system's busy time (from /proc/stat) less
// this process's and its children's own (getrusage), and the time the hypervisor stole.
#pragma once

#include <algorithm>
#include <string_view>
#include <vector>

#include "pygmy/measure/resource_usage.hpp"

namespace pygmy::measure {

// The share of a CPU that other work (or steal) may take while a measurement runs before it is
// called disturbed: a tenth of a CPU, well above what an idle system's daemons use.
inline constexpr double kDisturbedShare = 0.10;

// The time CPUs have spent, in seconds since boot: busy (user, nice, system, irq, softirq) and
// stolen by the hypervisor (a virtual machine's CPU that was not running it).
struct CpuTimes {
  double busy_seconds = 0;
  double steal_seconds = 0;
};

// The times of /proc/stat's `text` summed over the CPUs `cpus` (their "cpuN" lines; every CPU's
// "cpu" line when empty), its counts in ticks of `ticks_per_second`. Missing CPUs count nothing.
//   CpuTimes t = parse_proc_stat("cpu0 100 0 50 900 0 0 0 10 0 0\n", {0}, 100);  // 1.5 s, 0.1 s
[[nodiscard]] CpuTimes parse_proc_stat(std::string_view text, const std::vector<unsigned>& cpus,
                                       long ticks_per_second);

// The times of the CPUs this process may run on (its affinity mask) now; zero where /proc/stat
// cannot be read.
[[nodiscard]] CpuTimes cpu_times();

// The resolution of /proc/stat: a tick of USER_HZ, 100 a second on Linux.
inline constexpr double kProcStatTick = 0.01;

// What else ran on this process's CPUs over a stretch of `wall_seconds`.
struct Disturbance {
  double wall_seconds = 0;
  double other_cpu_seconds = 0;  // busy time that was neither this process's nor its children's
  double steal_seconds = 0;

  // Other work, in CPUs' worth: 1 is a whole CPU busy with something else throughout. A stretch
  // shorter than a tick of /proc/stat counts as a tick: one tick of other work in a few
  // microseconds is the counter's resolution, not a machine a million times over busy.
  [[nodiscard]] double other_share() const {
    return other_cpu_seconds / std::max(wall_seconds, kProcStatTick);
  }
  [[nodiscard]] double steal_share() const {
    return steal_seconds / std::max(wall_seconds, kProcStatTick);
  }
  // Whether other work or steal took more than `share` of a CPU.
  [[nodiscard]] bool disturbed(double share = kDisturbedShare) const {
    return other_share() > share || steal_share() > share;
  }

  Disturbance& operator+=(const Disturbance& more) {
    wall_seconds += more.wall_seconds;
    other_cpu_seconds += more.other_cpu_seconds;
    steal_seconds += more.steal_seconds;
    return *this;
  }
};

// Measures the disturbance of what runs between its construction and stop(). Whatever this
// process runs must have reaped its children by then, for getrusage counts them only once reaped.
//   DisturbanceMeter meter;
//   render(scene, plan);
//   if (meter.stop().disturbed()) std::cerr << "the machine was busy\n";
class DisturbanceMeter {
 public:
  DisturbanceMeter();
  [[nodiscard]] Disturbance stop() const;

 private:
  CpuTimes cpu_;
  ResourceUsage own_;
  double started_;  // steady clock, seconds
};

}  // namespace pygmy::measure
