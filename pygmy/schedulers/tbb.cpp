// tbb: the bands as a oneTBB programmer would share them out: tbb::parallel_for over them in image
// order, split by its auto partitioner, in an arena of as many threads as the plan's processes,
// rendering straight into the image.
#include <cstddef>
#include <mutex>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include "pass.hpp"

namespace pygmy::schedulers {

Failures run_tbb(Pass& pass, const std::vector<int>& todo) {
  const int threads = static_cast<int>(pass.processes());
  // TBB's threads number the CPUs unless told otherwise; the arena alone could not go beyond.
  const tbb::global_control allowed(tbb::global_control::max_allowed_parallelism,
                                    static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  std::mutex done;
  // An exception in a band cancels the loop; parallel_for throws it here, in this thread.
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, todo.size()),
        [&](const tbb::blocked_range<std::size_t>& range) {
          for (std::size_t k = range.begin(); k != range.end(); ++k) {
            pass.render_into(todo[k], pass.rows_of(todo[k]));
            const std::lock_guard lock(done);
            pass.mark_done(todo[k], tbb::this_task_arena::current_thread_index());
          }
        },
        tbb::auto_partitioner());
  });
  return {};
}

}  // namespace pygmy::schedulers
