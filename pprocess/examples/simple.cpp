// The sequential baseline: the 10×10 grid computed one cell after another, no processes at all.
#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

#include "grid.hpp"

int main(int argc, char** argv) {
  using grid::kN;
  const grid::Stopwatch stopwatch;
  const std::chrono::milliseconds delay = grid::delay_from(argc, argv);

  std::vector<int> results(kN * kN);

  std::cout << "Calculating...\n";
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) {
      std::this_thread::sleep_for(delay);  // a supposedly time-consuming calculation
      results[i * kN + j] = i * kN + j;
    }
  }

  grid::print(results);
  stopwatch.report();
}
