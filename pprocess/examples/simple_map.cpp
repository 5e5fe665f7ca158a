// The sequential baseline in map style: one function applied to a sequence of (i, j) cells.
#include <algorithm>
#include <chrono>
#include <iterator>
#include <thread>
#include <utility>
#include <vector>

#include "grid.hpp"

int main(int argc, char** argv) {
  using grid::kN;
  const grid::Stopwatch stopwatch;
  const std::chrono::milliseconds delay = grid::delay_from(argc, argv);

  // A supposedly time-consuming calculation on one cell.
  const auto calculate = [delay](std::pair<int, int> cell) {
    std::this_thread::sleep_for(delay);
    return cell.first * kN + cell.second;
  };

  std::vector<std::pair<int, int>> sequence;
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) sequence.emplace_back(i, j);
  }

  std::vector<int> results;
  std::ranges::transform(sequence, std::back_inserter(results), calculate);

  grid::print(results);
  stopwatch.report();
}
