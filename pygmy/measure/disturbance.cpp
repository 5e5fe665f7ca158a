// What else used the CPUs while a measurement ran.
#include "pygmy/measure/disturbance.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace pygmy::measure {

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The CPUs this process may run on; empty (meaning all) when the mask cannot be read.
std::vector<unsigned> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<unsigned> cpus;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (unsigned cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

}  // namespace

CpuTimes parse_proc_stat(std::string_view text, const std::vector<unsigned>& cpus,
                         long ticks_per_second) {
  CpuTimes times;
  if (ticks_per_second <= 0) return times;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string name;
    fields >> name;
    if (name.rfind("cpu", 0) != 0) continue;
    const std::string number = name.substr(3);
    const bool wanted =
        cpus.empty()
            ? number.empty()
            : !number.empty() && number.find_first_not_of("0123456789") == std::string::npos &&
                  std::find(cpus.begin(), cpus.end(), static_cast<unsigned>(std::stoul(number))) !=
                      cpus.end();
    if (!wanted) continue;
    // user nice system idle iowait irq softirq steal (guest time is within user already)
    unsigned long long field[8] = {};
    for (unsigned long long& value : field) {
      if (!(fields >> value)) value = 0;
    }
    const auto ticks = static_cast<double>(ticks_per_second);
    times.busy_seconds +=
        static_cast<double>(field[0] + field[1] + field[2] + field[5] + field[6]) / ticks;
    times.steal_seconds += static_cast<double>(field[7]) / ticks;
  }
  return times;
}

CpuTimes cpu_times() {
  std::ifstream in("/proc/stat");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return parse_proc_stat(text, allowed_cpus(), ::sysconf(_SC_CLK_TCK));
}

DisturbanceMeter::DisturbanceMeter()
    : cpu_(cpu_times()), own_(resource_usage()), started_(now_seconds()) {}

Disturbance DisturbanceMeter::stop() const {
  const double wall = now_seconds() - started_;
  const CpuTimes cpu = cpu_times();
  const ResourceUsage own = resource_usage() - own_;
  // /proc/stat counts in ticks (10 ms): a short stretch may read a little less than its own CPU.
  return {
      .wall_seconds = wall,
      .other_cpu_seconds = std::max(0.0, cpu.busy_seconds - cpu_.busy_seconds - own.cpu_seconds),
      .steal_seconds = std::max(0.0, cpu.steal_seconds - cpu_.steal_seconds)};
}

}  // namespace pygmy::measure
