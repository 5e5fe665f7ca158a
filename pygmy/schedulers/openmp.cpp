// openmp: the bands as an OpenMP programmer would share them out: one parallel loop over them in
// image order, each thread taking the next band as it frees up (schedule(dynamic, 1)), rendering
// straight into the image.
#include <omp.h>

#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <vector>

#include "pass.hpp"

namespace pygmy::schedulers {

Failures run_openmp(Pass& pass, const std::vector<int>& todo) {
  const int threads = static_cast<int>(pass.processes());
  std::mutex done;
  std::exception_ptr error;
  std::atomic<bool> failed{false};
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (std::size_t k = 0; k < todo.size(); ++k) {
    // An exception must not leave the parallel region (that ends the process): the first is
    // kept, the bands after it are skipped, and it is thrown once every thread is done.
    if (failed) continue;
    try {
      pass.render_into(todo[k], pass.rows_of(todo[k]));
      const std::lock_guard lock(done);
      pass.mark_done(todo[k], omp_get_thread_num());
    } catch (...) {
      const std::lock_guard lock(done);
      if (!error) error = std::current_exception();
      failed = true;
    }
  }
  if (error) std::rethrow_exception(error);
  return {};
}

}  // namespace pygmy::schedulers
