// Exchange::create: the loop forks each cell's process itself; an Exchange subclass stores results.
#include <iostream>
#include <optional>
#include <thread>
#include <tuple>
#include <vector>

#include "grid.hpp"
#include "pprocess/pprocess.hpp"

namespace {

using grid::kN;

/// Puts each (i, j, value) that arrives into its cell of the grid.
class MyExchange : public pprocess::Exchange {
 public:
  using Exchange::Exchange;

  std::vector<int> results = std::vector<int>(kN * kN);

 protected:
  void store_data(pprocess::Channel& channel) override {
    const auto [i, j, value] = channel.receive<std::tuple<int, int, int>>();
    results[i * kN + j] = value;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const grid::Stopwatch stopwatch;
  const grid::Settings settings = grid::settings_from(argc, argv);

  MyExchange exchange({.limit = settings.limit});

  std::cout << "Calculating...\n";
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) {
      // create() forks (waiting for a free slot first). The creator gets nullopt and goes on
      // looping; the created process gets its channel, works, and must never leave this block.
      if (std::optional<pprocess::Channel> channel = exchange.create()) {
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

  std::cout << "Finishing...\n";
  exchange.finish();

  grid::print(exchange.results);
  stopwatch.report();
}
