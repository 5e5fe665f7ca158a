// What every grid example shares: the grid's size, the process limit, the delay read from the
// command line, and printing the grid and the time taken.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <iostream>

namespace grid {

/// The grid is kN × kN; cell (i, j) holds i * kN + j.
inline constexpr int kN = 10;
/// The most created processes alive at once.
inline constexpr std::size_t kLimit = 4;

/// How long one cell's pretend work takes: the first argument in milliseconds, 10 by default.
///   const auto delay = grid::delay_from(argc, argv);
inline std::chrono::milliseconds delay_from(int argc, char** argv) {
  return std::chrono::milliseconds(argc > 1 ? std::max(0, std::atoi(argv[1])) : 10);
}

/// Prints kN * kN results as kN lines of kN tab-separated values.
///   grid::print(results);
template <class Results>
void print(Results&& results) {
  int column = 0;
  for (const int value : results) std::cout << value << (++column % kN == 0 ? "\n" : "\t");
}

/// Measures from its construction; `report` prints "Time taken: <seconds> s".
///   const grid::Stopwatch stopwatch;  ...  stopwatch.report();
class Stopwatch {
 public:
  void report() const {
    const std::chrono::duration<double> taken = std::chrono::steady_clock::now() - start_;
    std::cout << "Time taken: " << taken.count() << " s\n";
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace grid
