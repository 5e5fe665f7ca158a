// queue: bands in arrival order, each labelled with its index and the process that rendered it.
#include <optional>
#include <tuple>

#include "pass.hpp"
#include "pprocess/parallel.hpp"
#include "pprocess/queue.hpp"

namespace pygmy::schedulers {

Failures run_queue(Pass& pass, const std::vector<int>& todo) {
  using Result = std::tuple<int, long, Pixels>;  // the band, the worker's number, its pixels
  ForkNumbers numbers;
  TimedBands<pprocess::Queue<Result>> queue(pass, false);
  auto render_band_task = queue.manage(pprocess::MakeParallel(
      [&pass, &numbers](int index) { return Result(index, numbers.mine(), pass.render(index)); }));
  for (int index : todo) render_band_task(index);
  Failures failures;
  // A task's id is its place in `todo`, the order the tasks were started in.
  const auto band_of = [&todo](std::optional<std::size_t> task) { return todo.at(task.value()); };
  for (;;) {
    try {
      std::optional<Result> result = queue.next();
      if (!result) break;
      const auto& [band, worker, pixels] = *result;
      pass.deliver(band, pixels, worker);
    } catch (const pprocess::ProcessDied& died) {
      failures.add(band_of(died.task()), died);
    } catch (const pprocess::TimedOut& late) {
      failures.add(band_of(late.task()), late);
    }
  }
  pass.ran(queue);
  return failures;
}

}  // namespace pygmy::schedulers
