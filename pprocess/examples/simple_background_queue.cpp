// BackgroundCallable and BackgroundQueue: the whole computation runs in a background process
// behind the socket file task.socket; this program, or a later run of it, collects the result.
//   simple_background_queue --start      starts the work and returns at once
//   simple_background_queue --reconnect  collects it and prints the grid
#include <exception>
#include <iostream>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "background.hpp"
#include "grid.hpp"
#include "pprocess/pprocess.hpp"

namespace {

using grid::kN;

/// The main computation, which simple_managed_queue runs in the foreground: a Queue of
/// processes, one per cell. Its banners go to /dev/null, a background process's output.
std::vector<int> task(const grid::Settings& settings) {
  // A supposedly time-consuming calculation; the result names its cell.
  const auto calculate = [delay = settings.delay](int i, int j) {
    std::this_thread::sleep_for(delay);
    return std::tuple{i, j, i * kN + j};
  };

  pprocess::Queue<std::tuple<int, int, int>> queue({.limit = settings.limit});
  std::vector<int> results(kN * kN);

  auto calc = queue.manage(pprocess::MakeParallel(calculate));

  std::cout << "Calculating...\n";
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) calc(i, j);
  }

  std::cout << "Finishing...\n";
  for (const auto& [i, j, value] : queue) results[i * kN + j] = value;
  return results;
}

}  // namespace

int main(int argc, char** argv) {
  const grid::Stopwatch stopwatch;
  const grid::Settings settings = grid::background_settings_from(argc, argv);
  bool started = false;  // whether this run started the background process

  try {
    if (settings.start) {
      {
        // Calling the callable starts the computation in a background process, which waits
        // behind task.socket for someone to collect its result.
        pprocess::BackgroundCallable ptask(
            "task.socket", pprocess::MakeParallel([settings] { return task(settings); }));
        ptask();
        started = true;
      }
      std::cout << "Discarded the callable.\n";
    }

    if (settings.reconnect) {
      // A queue connected to the background process: its result arrives like any other.
      std::cout << "Opening a queue.\n";
      pprocess::BackgroundQueue<std::vector<int>> queue("task.socket");

      std::cout << "Waiting for persistent results\n";
      std::vector<int> results;
      for (std::vector<int>& sent : queue) results = std::move(sent);  // there is one

      grid::print(results);
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
