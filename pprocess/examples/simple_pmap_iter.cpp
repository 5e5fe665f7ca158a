// pmap read by iteration: each result is printed as soon as it and those before it have
// arrived, while the cells after it are still being computed.
#include <iostream>
#include <thread>
#include <utility>
#include <vector>

#include "grid.hpp"
#include "pprocess/pprocess.hpp"

int main(int argc, char** argv) {
  using grid::kN;
  const grid::Stopwatch stopwatch;
  const grid::Settings settings = grid::settings_from(argc, argv);

  // A supposedly time-consuming calculation on one cell.
  const auto calculate = [delay = settings.delay](std::pair<int, int> cell) {
    std::this_thread::sleep_for(delay);
    return cell.first * kN + cell.second;
  };

  std::vector<std::pair<int, int>> sequence;
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) sequence.emplace_back(i, j);
  }

  int i = 0;
  for (const int result : pprocess::pmap(calculate, sequence, settings.limit)) {
    std::cout << result << (i % kN == kN - 1 ? "\n" : " ");
    ++i;
  }

  stopwatch.report();
}
