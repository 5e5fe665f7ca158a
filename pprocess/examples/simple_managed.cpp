// Exchange::manage: an ordinary function, wrapped with MakeParallel, starts a process per call.
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

  // A supposedly time-consuming calculation; it knows nothing of processes.
  const auto calculate = [delay = settings.delay](int i, int j) {
    std::this_thread::sleep_for(delay);
    return std::tuple{i, j, i * kN + j};
  };

  MyExchange exchange({.limit = settings.limit});

  // MakeParallel sends calculate's result back; manage makes each call start a process.
  auto calc = exchange.manage(pprocess::MakeParallel(calculate));

  std::cout << "Calculating...\n";
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) calc(i, j);
  }

  std::cout << "Finishing...\n";
  exchange.finish();

  grid::print(exchange.results);
  stopwatch.report();
}
