// Map::create: each created process sends one value; the Map keeps it in its task's slot.
#include <iostream>
#include <optional>
#include <thread>

#include "grid.hpp"
#include "pprocess/pprocess.hpp"

int main(int argc, char** argv) {
  using grid::kN;
  const grid::Stopwatch stopwatch;
  const grid::Settings settings = grid::settings_from(argc, argv);

  // Results in the order the processes were created, whatever order they finish in.
  pprocess::Map<int> results({.limit = settings.limit});

  std::cout << "Calculating...\n";
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) {
      if (std::optional<pprocess::Channel> channel = results.create()) {
        try {
          std::this_thread::sleep_for(settings.delay);  // a supposedly time-consuming calculation
          channel->send(i * kN + j);
        } catch (...) {
          pprocess::exit(*channel, 1);
        }
        pprocess::exit(*channel);
      }
    }
  }

  grid::print(results);  // each value is waited for as the iteration reaches it
  stopwatch.report();
}
