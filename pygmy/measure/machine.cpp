// Which machine a measurement ran on, in words, for the captions of tables and charts.
#include "pygmy/measure/machine.hpp"

#include <fstream>

#include "pprocess/cores.hpp"

namespace pygmy::measure {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
      const std::size_t start = line.find_first_not_of(" \t", line.find(':') + 1);
      if (start != std::string::npos) {
        return line.substr(start);
      }
    }
  }
  return "unknown processor";
}

std::string machine_description() {
  const unsigned cores = pprocess::get_number_of_cores();
  const unsigned cpus = pprocess::available_cpus();
  return cpu_model() + ", " + std::to_string(cores) +
         (cores == 1 ? " physical core, " : " physical cores, ") + std::to_string(cpus) +
         (cpus == 1 ? " available CPU" : " available CPUs");
}

}  // namespace pygmy::measure
