// The sequential baseline whose results name their cell: each call returns (i, j, value), stored
// by position, so the order of the calls no longer matters. simple_managed_queue is this program
// made parallel.
#include <chrono>
#include <iostream>
#include <thread>
#include <tuple>
#include <vector>

#include "grid.hpp"

int main(int argc, char** argv) {
  using grid::kN;
  const grid::Stopwatch stopwatch;
  const std::chrono::milliseconds delay = grid::delay_from(argc, argv);

  // A supposedly time-consuming calculation; the result names its cell.
  const auto calculate = [delay](int i, int j) {
    std::this_thread::sleep_for(delay);
    return std::tuple{i, j, i * kN + j};
  };

  std::vector<int> results(kN * kN);

  std::cout << "Calculating...\n";
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) {
      const auto [row, column, value] = calculate(i, j);
      results[row * kN + column] = value;
    }
  }

  grid::print(results);
  stopwatch.report();
}
