// Queue::start: MakeParallel-wrapped calls started on a Queue, results read as they arrive.
#include <iostream>
#include <thread>
#include <tuple>
#include <vector>

#include "grid.hpp"
#include "pprocess/pprocess.hpp"

int main(int argc, char** argv) {
  using grid::kN;
  const grid::Stopwatch stopwatch;
  const grid::Settings settings = grid::settings_from(argc, argv);

  // A supposedly time-consuming calculation; the result names its cell.
  const auto calculate = [delay = settings.delay](int i, int j) {
    std::this_thread::sleep_for(delay);
    return std::tuple{i, j, i * kN + j};
  };

  pprocess::Queue<std::tuple<int, int, int>> queue({.limit = settings.limit});
  std::vector<int> results(kN * kN);

  const auto calc = pprocess::MakeParallel(calculate);

  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) queue.start(calc, i, j);
  }

  std::cout << "Finishing...\n";
  for (const auto& [i, j, value] : queue) results[i * kN + j] = value;

  grid::print(results);
  stopwatch.report();
}
