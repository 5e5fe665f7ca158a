// The sequential baseline with the work in a function: each call returns its cell's value, and
// the results are appended in call order. simple_managed_map is this program made parallel.
#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

#include "grid.hpp"

int main(int argc, char** argv) {
  using grid::kN;
  const grid::Stopwatch stopwatch;
  const std::chrono::milliseconds delay = grid::delay_from(argc, argv);

  // A supposedly time-consuming calculation.
  const auto calculate = [delay](int i, int j) {
    std::this_thread::sleep_for(delay);
    return i * kN + j;
  };

  std::vector<int> results;

  std::cout << "Calculating...\n";
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) results.push_back(calculate(i, j));
  }

  grid::print(results);
  stopwatch.report();
}
