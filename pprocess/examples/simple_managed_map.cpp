// Map::manage: calls of a managed function fill a Map, which gives results in call order.
#include <iostream>
#include <thread>

#include "grid.hpp"
#include "pprocess/pprocess.hpp"

int main(int argc, char** argv) {
  using grid::kN;
  const grid::Stopwatch stopwatch;
  const grid::Settings settings = grid::settings_from(argc, argv);

  // A supposedly time-consuming calculation; it knows nothing of processes.
  const auto calculate = [delay = settings.delay](int i, int j) {
    std::this_thread::sleep_for(delay);
    return i * kN + j;
  };

  pprocess::Map<int> results({.limit = settings.limit});
  auto calc = results.manage(pprocess::MakeParallel(calculate));

  std::cout << "Calculating...\n";
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) calc(i, j);
  }

  grid::print(results);
  stopwatch.report();
}
