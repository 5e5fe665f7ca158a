// Whether an image fits in the memory the pygmy command may take: checked before rendering.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pygmy::app {

// A bound on the memory this process may still take, and what sets it.
struct MemoryLimit {
  enum class Source {
    address_space,  // RLIMIT_AS (ulimit -v), less the address space in use
    data,           // RLIMIT_DATA (ulimit -d), less the data in use
    control_group,  // the cgroup's memory.max (v2) or memory.limit_in_bytes (v1), less its use
    machine,        // MemAvailable plus SwapFree in /proc/meminfo
  };
  Source source;
  std::uint64_t bytes;  // how much more may be taken
};

// Whether a limit of `source` bounds each process on its own (a resource limit, which every
// process forked inherits whole) rather than all of them together (a cgroup, the machine).
//   bool each = bounds_each_process(MemoryLimit::Source::address_space);  // true
[[nodiscard]] bool bounds_each_process(MemoryLimit::Source source);

// Every bound of MemoryLimit::Source that applies to this process now; one that cannot be read
// is left out, so a machine without /proc has none.
//   std::vector<MemoryLimit> limits = memory_limits();  // at least the machine's, on Linux
[[nodiscard]] std::vector<MemoryLimit> memory_limits();

// Why a width × height image, held `copies` times at once, does not fit within `limits` (empty
// when it does), naming the tightest limit it passes.
//   memory_problem(65536, 65536, 1, {{MemoryLimit::Source::machine, 3'200'000'000}})
//   // "a 65536x65536 image needs 12.9 GB of memory; this machine has 3.2 GB available"
[[nodiscard]] std::string memory_problem(int width, int height, int copies,
                                         const std::vector<MemoryLimit>& limits);

}  // namespace pygmy::app
