// Queue::create: created processes send (i, j, value); the creator takes them as they arrive.
#include <iostream>
#include <optional>
#include <thread>
#include <tuple>
#include <vector>

#include "grid.hpp"
#include "pprocess/pprocess.hpp"

int main(int argc, char** argv) {
  using grid::kN;
  const grid::Stopwatch stopwatch;
  const grid::Settings settings = grid::settings_from(argc, argv);

  pprocess::Queue<std::tuple<int, int, int>> queue({.limit = settings.limit});
  std::vector<int> results(kN * kN);

  std::cout << "Calculating...\n";
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) {
      if (std::optional<pprocess::Channel> channel = queue.create()) {
        try {
          std::this_thread::sleep_for(settings.delay);  // a supposedly time-consuming calculation
          channel->send(std::tuple{i, j, i * kN + j});
        } catch (...) {
          pprocess::exit(*channel, 1);
        }
        pprocess::exit(*channel);
      }
    }
  }

  // Arrival order is not grid order: each value carries its cell.
  std::cout << "Finishing...\n";
  for (const auto& [i, j, value] : queue) results[i * kN + j] = value;

  grid::print(results);
  stopwatch.report();
}
