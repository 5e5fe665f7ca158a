// queue: bands in arrival order, each labelled with its index and the process that rendered it.
#include <unistd.h>

#include <optional>
#include <set>
#include <tuple>

#include "pass.hpp"
#include "pprocess/parallel.hpp"
#include "pprocess/queue.hpp"

namespace pygmy::schedulers {

Failures run_queue(Pass& pass, const std::vector<int>& todo) {
  using Result = std::tuple<int, long, Pixels>;  // the band, the worker, its pixels
  TimedBands<pprocess::Queue<Result>> queue(pass, false);
  auto render_band_task = queue.manage(pprocess::MakeParallel(
      [&pass](int index) { return Result(index, ::getpid(), pass.render(index)); }));
  for (int index : todo) render_band_task(index);
  std::set<int> delivered;
  Failures failures;
  for (;;) {
    try {
      std::optional<Result> result = queue.next();
      if (!result) break;
      const auto& [band, worker, pixels] = *result;
      pass.deliver(band, pixels, worker);
      delivered.insert(band);
    } catch (const pprocess::ProcessDied& died) {
      failures.reason = died.what();  // which band it was is known once the rest are in
    } catch (const pprocess::TimedOut& late) {
      failures.reason = late.what();
    }
  }
  for (int index : todo) {
    if (!delivered.count(index)) failures.bands.push_back(index);
  }
  pass.ran(queue);
  return failures;
}

}  // namespace pygmy::schedulers
