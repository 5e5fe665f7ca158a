// simple_map made parallel with one word: pmap runs each cell in a created process.
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

  // A Map<int>: iterating it yields the results in input order, each once it has arrived.
  auto results = pprocess::pmap(calculate, sequence, settings.limit);

  grid::print(results);
  stopwatch.report();
}
