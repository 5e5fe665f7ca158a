// Several background processes, one per row of the grid at task-<i>.socket, and one
// PersistentQueue connected to all of them, which collects the rows as they arrive.
//   simple_persistent_queue --start      starts the work and returns at once
//   simple_persistent_queue --reconnect  collects it and prints the grid
#include <exception>
#include <iostream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "background.hpp"
#include "grid.hpp"
#include "pprocess/pprocess.hpp"

namespace {

using grid::kN;
using Row = std::pair<int, std::vector<int>>;

/// The address of the background process computing row i.
std::string address_of(int i) { return "task-" + std::to_string(i) + ".socket"; }

/// One row of the computation, in a Queue of processes of its own: row i and its values.
Row task(int i, const grid::Settings& settings) {
  // A supposedly time-consuming calculation; the result names its cell.
  const auto calculate = [delay = settings.delay](int row, int j) {
    std::this_thread::sleep_for(delay);
    return std::tuple{row, j, row * kN + j};
  };

  pprocess::Queue<std::tuple<int, int, int>> queue({.limit = settings.limit});
  std::vector<int> results(kN);

  auto calc = queue.manage(pprocess::MakeParallel(calculate));

  std::cout << "Calculating...\n";
  for (int j = 0; j < kN; ++j) calc(i, j);

  std::cout << "Finishing...\n";
  for (const auto& [row, j, value] : queue) results[j] = value;
  return {i, results};
}

}  // namespace

int main(int argc, char** argv) {
  const grid::Stopwatch stopwatch;
  // kN background processes run at once, each with its own processes: 2 each, not 10.
  const grid::Settings settings = grid::background_settings_from(argc, argv, 2);
  int started = 0;  // the background processes this run started: rows 0 to started - 1

  try {
    if (settings.start) {
      const auto ptask = pprocess::MakeParallel([settings](int i) { return task(i, settings); });
      for (; started < kN; ++started) {
        // A distinct callable for each part of the computation, each at its own address.
        pprocess::BackgroundCallable ptask_i(address_of(started), ptask);
        ptask_i(started);
      }
      std::cout << "Discarded the callable.\n";
    }

    if (settings.reconnect) {
      // One queue connected to every part: a connection each.
      std::cout << "Opening a queue.\n";
      pprocess::PersistentQueue<Row> queue({.limit = kN});
      for (int i = 0; i < kN; ++i) queue.connect(address_of(i));

      std::cout << "Waiting for persistent results\n";
      std::vector<std::vector<int>> rows(kN);
      for (auto& [i, row] : queue) rows[i] = std::move(row);

      std::vector<int> results;
      for (const std::vector<int>& row : rows) {
        results.insert(results.end(), row.begin(), row.end());
      }
      grid::print(results);
      stopwatch.report();
    }
  } catch (const std::exception& e) {
    // An address in use, nothing to collect, too few descriptors for a connection to every
    // part: the run fails, and leaves no work of its own behind (the queue, and its
    // connections, are gone: one connection at a time is enough for that).
    const int status = background::failed(argv[0], e);
    for (int i = 0; i < started; ++i) background::discard<Row>(address_of(i));
    return status;
  }
}
