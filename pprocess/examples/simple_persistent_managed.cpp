// PersistentExchange::manage: an exchange starts the computation in a background process at
// task.socket and is closed; a new exchange connects to it later and collects the result.
//   simple_persistent_managed --start      starts the work and returns at once
//   simple_persistent_managed --reconnect  collects it and prints the grid
#include <chrono>
#include <exception>
#include <iostream>
#include <thread>
#include <tuple>
#include <vector>

#include "background.hpp"
#include "grid.hpp"
#include "pprocess/pprocess.hpp"

namespace {

using grid::kN;

/// Puts each (i, j, value) that arrives into its cell of the grid (simple_managed's exchange).
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

/// Receives the whole grid from a background process.
class MyPersistentExchange : public pprocess::PersistentExchange {
 public:
  using pprocess::PersistentExchange::PersistentExchange;

  std::vector<int> results = std::vector<int>(kN * kN);

 protected:
  void store_data(pprocess::Channel& channel) override {
    results = channel.receive<std::vector<int>>();
  }
};

/// The main computation, which simple_managed runs in the foreground.
std::vector<int> task(const grid::Settings& settings) {
  // A supposedly time-consuming calculation; it knows nothing of processes.
  const auto calculate = [delay = settings.delay](int i, int j) {
    std::this_thread::sleep_for(delay);
    return std::tuple{i, j, i * kN + j};
  };

  MyExchange exchange({.limit = settings.limit});
  auto calc = exchange.manage(pprocess::MakeParallel(calculate));
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) calc(i, j);
  }
  exchange.finish();
  return exchange.results;
}

}  // namespace

int main(int argc, char** argv) {
  const grid::Stopwatch stopwatch;
  const grid::Settings settings = grid::background_settings_from(argc, argv);
  bool started = false;  // whether this run started the background process

  try {
    if (settings.start) {
      {
        // A persistent exchange with a single process, for the main computation.
        MyPersistentExchange exchange({.limit = 1});

        // Each call of ptask starts the computation in a background process at task.socket.
        auto ptask = exchange.manage("task.socket",
                                     pprocess::MakeParallel([settings] { return task(settings); }));
        ptask();

        // A start that failed (a process listens at task.socket already, say) is reported at
        // its task, on a connection to no process (pid 0) that holds only the report: receiving
        // it throws the report here. A started process's connection is left unread: its result,
        // however soon it comes, waits for the next exchange.
        for (pprocess::Channel* channel : exchange.ready(std::chrono::milliseconds(0))) {
          if (channel->pid() == 0) static_cast<void>(channel->receive<std::vector<int>>());
        }
        started = true;
      }  // Closing the exchange leaves the background process, and its result, behind.
      std::cout << "Closed original exchange.\n";
    }

    if (settings.reconnect) {
      std::cout << "Opening new exchange.\n";
      MyPersistentExchange exchange({.limit = 1});

      // Reconnect to the task: its result reaches store_data like any other.
      exchange.connect("task.socket");

      std::cout << "Waiting for persistent results\n";
      exchange.finish();

      grid::print(exchange.results);
      stopwatch.report();
    }
  } catch (const std::exception& e) {
    // An address in use, nothing to collect, too few descriptors: the run fails, and leaves
    // no work of its own behind.
    const int status = background::failed(argv[0], e);
    if (started) background::discard<std::vector<int>>("task.socket");
    return status;
  }
}
