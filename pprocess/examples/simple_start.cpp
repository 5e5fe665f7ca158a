// Exchange::start: a function that takes the channel itself runs in a process per call.
#include <iostream>
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

  // A supposedly time-consuming calculation, using `channel` to talk to its creator.
  const auto calculate = [delay = settings.delay](pprocess::Channel& channel, int i, int j) {
    std::this_thread::sleep_for(delay);
    channel.send(std::tuple{i, j, i * kN + j});
  };

  MyExchange exchange({.limit = settings.limit});

  std::cout << "Calculating...\n";
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) exchange.start(calculate, i, j);  // queued when busy
  }

  std::cout << "Finishing...\n";
  exchange.finish();

  grid::print(exchange.results);
  stopwatch.report();
}
