// What a render costs beyond its seconds: the CPU time and page faults of this process and of
// the processes it forked, read from getrusage.
#pragma once

namespace pygmy::measure {

// CPU time and minor page faults (getrusage's ru_minflt: a page mapped in without reading the
// disk, such as a copy-on-write copy after a fork) of this process and of every child it has
// reaped (RUSAGE_SELF + RUSAGE_CHILDREN). A child counts only once reaped, which every scheduler
// has done by the time render() returns.
//   const ResourceUsage before = resource_usage();
//   render(scene, plan);
//   const ResourceUsage cost = resource_usage() - before;
struct ResourceUsage {
  double cpu_seconds = 0;  // user + system
  long minor_faults = 0;

  friend ResourceUsage operator-(const ResourceUsage& a, const ResourceUsage& b) {
    return {a.cpu_seconds - b.cpu_seconds, a.minor_faults - b.minor_faults};
  }
};

// What this process and its reaped children have used so far.
[[nodiscard]] ResourceUsage resource_usage();

}  // namespace pygmy::measure
