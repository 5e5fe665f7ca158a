// What a render costs beyond its seconds: the CPU time and page faults of this process and of
// the processes it forked, read from getrusage.
#include "pygmy/measure/resource_usage.hpp"

#include <sys/resource.h>

#include <initializer_list>

namespace pygmy::measure {

ResourceUsage resource_usage() {
  ResourceUsage total;
  for (const int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    rusage usage{};
    ::getrusage(who, &usage);
    for (const timeval& t : {usage.ru_utime, usage.ru_stime}) {
      total.cpu_seconds += static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
    }
    total.minor_faults += usage.ru_minflt;
  }
  return total;
}

}  // namespace pygmy::measure
