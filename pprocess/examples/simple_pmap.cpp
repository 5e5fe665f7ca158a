// pmap: the 10×10 grid of i*N+j, each cell computed by a created process, 4 at a time.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <utility>
#include <vector>

#include "pprocess/pprocess.hpp"

namespace {

constexpr int kN = 10;

/// A slow calculation: the delay stands in for real work.
int calculate(std::pair<int, int> cell, std::chrono::milliseconds delay) {
  std::this_thread::sleep_for(delay);
  return cell.first * kN + cell.second;
}

}  // namespace

int main(int argc, char** argv) {
  const auto delay = std::chrono::milliseconds(argc > 1 ? std::atoi(argv[1]) : 10);
  const auto start = std::chrono::steady_clock::now();

  std::vector<std::pair<int, int>> cells;
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) cells.emplace_back(i, j);
  }
  auto results = pprocess::pmap(
      [delay](std::pair<int, int> cell) { return calculate(cell, delay); }, cells, 4);

  int column = 0;
  for (int value : results) {
    std::cout << value << (++column % kN == 0 ? "\n" : "\t");
  }
  const std::chrono::duration<double> taken = std::chrono::steady_clock::now() - start;
  std::cout << "Time taken: " << taken.count() << " s\n";
}
