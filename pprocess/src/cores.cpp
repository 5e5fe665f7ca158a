// Counting physical cores and the CPUs this process may use (affinity and cgroup quota).
#include "pprocess/cores.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace pprocess {

namespace {

unsigned online_cpus() noexcept {
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<unsigned>(n) : 1U;
}

/// CPUs in this process's affinity mask (what `taskset` sets).
unsigned affinity_cpus() noexcept {
  for (std::size_t size = 1024; size <= (std::size_t{1} << 20); size *= 2) {
    cpu_set_t* set = CPU_ALLOC(size);
    if (set == nullptr) break;
    const std::size_t bytes = CPU_ALLOC_SIZE(size);
    const int got = ::sched_getaffinity(0, bytes, set);
    const int count = got == 0 ? CPU_COUNT_S(bytes, set) : 0;
    CPU_FREE(set);
    if (got == 0) return count > 0 ? static_cast<unsigned>(count) : 1U;
    if (errno != EINVAL) break;  // EINVAL: the kernel's mask is larger than ours; grow it
  }
  return online_cpus();
}

/// The CPU quota of a cgroup v2 `cpu.max` ("max 100000" or "150000 100000"), rounded up.
std::optional<unsigned> quota_of(const std::filesystem::path& cpu_max) {
  std::ifstream in(cpu_max);
  std::string quota;
  double period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return std::nullopt;
  try {
    const double cpus = std::ceil(std::stod(quota) / period);
    return cpus >= 1 ? static_cast<unsigned>(cpus) : 1U;
  } catch (...) {
    return std::nullopt;
  }
}

/// The tightest CPU quota on this process's cgroup v2 path, if any.
std::optional<unsigned> cgroup_cpus() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  std::optional<unsigned> tightest;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) != 0) continue;
    std::filesystem::path dir = std::filesystem::path("/sys/fs/cgroup") / line.substr(4);
    for (;; dir = dir.parent_path()) {
      if (auto cpus = quota_of(dir / "cpu.max"))
        tightest = std::min(tightest.value_or(*cpus), *cpus);
      if (dir == "/sys/fs/cgroup" || dir == dir.parent_path()) break;
    }
  }
  return tightest;
}

}  // namespace

unsigned get_number_of_cores() noexcept {
  try {
    std::set<std::pair<std::string, std::string>> cores;
    for (const auto& entry : std::filesystem::directory_iterator("/sys/devices/system/cpu")) {
      const std::string name = entry.path().filename();
      if (name.size() < 4 || name.rfind("cpu", 0) != 0 ||
          !std::all_of(name.begin() + 3, name.end(), ::isdigit)) {
        continue;
      }
      std::ifstream package(entry.path() / "topology/physical_package_id");
      std::ifstream core(entry.path() / "topology/core_id");
      std::string package_id, core_id;
      if (package >> package_id && core >> core_id) cores.emplace(package_id, core_id);
    }
    if (!cores.empty()) return static_cast<unsigned>(cores.size());
  } catch (...) {
  }
  return online_cpus();
}

unsigned available_cpus() noexcept {
  unsigned cpus = affinity_cpus();
  try {
    if (auto quota = cgroup_cpus()) cpus = std::min(cpus, *quota);
  } catch (...) {
  }
  return std::max(cpus, 1U);
}

}  // namespace pprocess
