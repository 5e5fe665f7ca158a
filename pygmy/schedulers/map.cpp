// map and reuse: pmap's way — results taken in band order, each labelled with the process that
// rendered it; `reuse` has a few reusable workers render every band.
#include <utility>

#include "pass.hpp"
#include "pprocess/map.hpp"

namespace pygmy::schedulers {

namespace {

Failures run_map_of(Pass& pass, const std::vector<int>& todo, bool reuse) {
  using Result = std::pair<long, Pixels>;  // the worker's number, its band's pixels
  ForkNumbers numbers;
  TimedBands<pprocess::Map<Result>> results(pass, reuse);
  results([&pass, &numbers](int index) { return Result(numbers.mine(), pass.render(index)); },
          todo);
  Failures failures;
  for (std::size_t k = 0; k < todo.size(); ++k) {
    try {
      const auto& [worker, pixels] = results[k];
      pass.deliver(todo[k], pixels, worker);
    } catch (const pprocess::ProcessDied& died) {
      failures.add(todo[k], died);
    } catch (const pprocess::TimedOut& late) {
      failures.add(todo[k], late);
    }
  }
  pass.ran(results);
  return failures;
}

}  // namespace

Failures run_map(Pass& pass, const std::vector<int>& todo) { return run_map_of(pass, todo, false); }

Failures run_reuse(Pass& pass, const std::vector<int>& todo) {
  return run_map_of(pass, todo, true);
}

}  // namespace pygmy::schedulers
