// Which machine a measurement ran on, in words, for the captions of tables and charts.
#pragma once

#include <string>

namespace pygmy::measure {

// The processor's model name ("model name" in /proc/cpuinfo); "unknown processor" when there is
// none to read.
//   std::string model = cpu_model();  // "AMD EPYC 7B13"
[[nodiscard]] std::string cpu_model();

// The processor, its physical cores and the CPUs this process may use.
//   std::string machine = machine_description();
//   // "AMD EPYC 7B13, 2 physical cores, 2 available CPUs"
[[nodiscard]] std::string machine_description();

}  // namespace pygmy::measure
