// Continuous mode: each created process computes a whole row, sending one value per cell.
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

  // A supposedly time-consuming calculation on row i, sending each cell as soon as it is done.
  const auto calculate = [delay = settings.delay](pprocess::Channel& channel, int i) {
    for (int j = 0; j < kN; ++j) {
      std::this_thread::sleep_for(delay);
      channel.send(std::tuple{i, j, i * kN + j});
    }
  };

  // continuous: a channel stays watched after its first value, until its process ends.
  pprocess::Queue<std::tuple<int, int, int>> queue({.limit = settings.limit, .continuous = true});
  std::vector<int> results(kN * kN);

  auto calc = queue.manage(calculate);

  std::cout << "Calculating...\n";
  for (int i = 0; i < kN; ++i) calc(i);

  std::cout << "Finishing...\n";
  for (const auto& [i, j, value] : queue) results[i * kN + j] = value;

  grid::print(results);
  stopwatch.report();
}
