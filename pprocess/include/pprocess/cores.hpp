// How many processes to run: physical cores, and the CPUs this process may actually use.
#pragma once

namespace pprocess {

/// Distinct physical cores of the machine (hyper-threads counted once); at least 1.
///   unsigned cores = pprocess::get_number_of_cores();
[[nodiscard]] unsigned get_number_of_cores() noexcept;

/// CPUs this process may use: its affinity mask, bounded by a cgroup CPU quota; at least 1.
/// The default limit of every Exchange.
///   pprocess::Map<int> m({.limit = pprocess::available_cpus()});
[[nodiscard]] unsigned available_cpus() noexcept;

}  // namespace pprocess
