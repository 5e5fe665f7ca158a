// The memory limits of this process, from getrlimit, the cgroup file system and /proc.
#include "memory.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

namespace pygmy::app {
namespace {

using Source = MemoryLimit::Source;

// The number after `key` in a "Key:   123 kB" file such as /proc/meminfo, in bytes.
std::optional<std::uint64_t> kilobytes_after(const std::filesystem::path& file,
                                             const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      std::istringstream rest(line.substr(key.size()));
      std::uint64_t kilobytes = 0;
      if (rest >> kilobytes) {
        return kilobytes * 1024;
      }
    }
  }
  return std::nullopt;
}

// The number a cgroup file holds; nullopt for "max" (no limit), a missing file, or v1's
// "unlimited" (a page count near 2^63 bytes).
std::optional<std::uint64_t> cgroup_number(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::uint64_t value = 0;
  if (!(in >> value) || value >= (std::uint64_t{1} << 60)) {
    return std::nullopt;
  }
  return value;
}

// What a resource limit leaves, once `in_use` (from /proc/self/status) is taken.
void add_rlimit(std::vector<MemoryLimit>& limits, Source source, int resource,
                const std::string& in_use) {
  rlimit limit{};
  if (::getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return;
  }
  const std::uint64_t used = kilobytes_after("/proc/self/status", in_use).value_or(0);
  limits.push_back({source, limit.rlim_cur > used ? limit.rlim_cur - used : 0});
}

// What the control groups of this process leave: the tightest of its own and its ancestors'.
void add_control_group(std::vector<MemoryLimit>& limits) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    // "0::/path" on cgroup v2; "4:memory:/path" for v1's memory controller.
    const std::size_t first = line.find(':');
    const std::size_t second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) {
      continue;
    }
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const bool v2 = controllers.empty();
    if (!v2 && ("," + controllers + ",").find(",memory,") == std::string::npos) {
      continue;
    }
    const std::filesystem::path root = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory";
    const std::string limit_file = v2 ? "memory.max" : "memory.limit_in_bytes";
    const std::string usage_file = v2 ? "memory.current" : "memory.usage_in_bytes";
    // The group's own limit, then each ancestor's up to the root ("/a/b", "/a", "/").
    std::optional<std::uint64_t> tightest;
    for (std::filesystem::path group = line.substr(second + 1);; group = group.parent_path()) {
      const std::filesystem::path directory = root / group.relative_path();
      if (const auto limit = cgroup_number(directory / limit_file)) {
        const std::uint64_t used = cgroup_number(directory / usage_file).value_or(0);
        tightest = std::min(tightest.value_or(*limit), *limit > used ? *limit - used : 0);
      }
      if (group.empty() || group == group.parent_path()) {
        break;
      }
    }
    if (tightest) {
      limits.push_back({Source::control_group, *tightest});
    }
  }
}

// "12.9 GB", "512.0 MB", "100 bytes": decimal units, as disks and most tools count.
std::string size_text(std::uint64_t bytes) {
  char text[32];
  const auto value = static_cast<double>(bytes);
  if (bytes >= 1'000'000'000) {
    std::snprintf(text, sizeof text, "%.1f GB", value / 1e9);
  } else if (bytes >= 1'000'000) {
    std::snprintf(text, sizeof text, "%.1f MB", value / 1e6);
  } else if (bytes >= 1'000) {
    std::snprintf(text, sizeof text, "%.1f kB", value / 1e3);
  } else {
    std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
  }
  return text;
}

// "this machine has 3.2 GB available", and the like for each source.
std::string what_is_left(const MemoryLimit& limit) {
  const std::string size = size_text(limit.bytes);
  switch (limit.source) {
    case Source::address_space:
      return "this process may take only " + size + " more (ulimit -v)";
    case Source::data:
      return "this process may take only " + size + " more (ulimit -d)";
    case Source::control_group:
      return "its control group may take only " + size + " more (its cgroup memory limit)";
    case Source::machine:
      break;
  }
  return "this machine has " + size + " available (MemAvailable and SwapFree)";
}

}  // namespace

bool bounds_each_process(MemoryLimit::Source source) {
  return source == Source::address_space || source == Source::data;
}

std::vector<MemoryLimit> memory_limits() {
  std::vector<MemoryLimit> limits;
  add_rlimit(limits, Source::address_space, RLIMIT_AS, "VmSize:");
  add_rlimit(limits, Source::data, RLIMIT_DATA, "VmData:");
  add_control_group(limits);
  if (const auto available = kilobytes_after("/proc/meminfo", "MemAvailable:")) {
    const std::uint64_t swap = kilobytes_after("/proc/meminfo", "SwapFree:").value_or(0);
    limits.push_back({Source::machine, *available + swap});
  }
  return limits;
}

std::string memory_problem(int width, int height, int copies,
                           const std::vector<MemoryLimit>& limits) {
  const std::uint64_t needed = static_cast<std::uint64_t>(width) *
                               static_cast<std::uint64_t>(height) * 3 *
                               static_cast<std::uint64_t>(copies);
  const auto tightest = std::min_element(
      limits.begin(), limits.end(),
      [](const MemoryLimit& a, const MemoryLimit& b) { return a.bytes < b.bytes; });
  if (tightest == limits.end() || needed <= tightest->bytes) {
    return "";
  }
  return "a " + std::to_string(width) + "x" + std::to_string(height) + " image needs " +
         size_text(needed) + " of memory; " + what_is_left(*tightest);
}

}  // namespace pygmy::app
