// threads: the baseline a C++ programmer would reach for, threads taking bands from a counter.
#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "pass.hpp"

namespace pygmy::schedulers {

Failures run_threads(Pass& pass, const std::vector<int>& todo) {
  std::atomic<std::size_t> next{0};
  std::mutex done;
  std::exception_ptr error;
  auto work = [&](long worker) {
    try {
      for (std::size_t k = next++; k < todo.size(); k = next++) {
        const Band& band = pass.band(todo[k]);
        // Rendered without the pass's hooks: a thread cannot stand in for a dying process.
        pass.render_rows(band.y0, band.y1, pass.rows_of(todo[k]));
        const std::lock_guard lock(done);
        pass.mark_done(todo[k], worker);
      }
    } catch (...) {
      const std::lock_guard lock(done);
      error = std::current_exception();
    }
  };
  std::vector<std::jthread> pool;
  try {
    for (unsigned i = 1; i < pass.processes(); ++i) pool.emplace_back(work, static_cast<long>(i));
  } catch (const std::system_error& error) {
    // Out of threads (a process limit, memory): those there are, this one too, render the bands.
    if (error.code() != std::errc::resource_unavailable_try_again) throw;
    pass.allowed(pool.size() + 1);
  }
  work(0);
  pool.clear();
  if (error) std::rethrow_exception(error);
  return {};
}

}  // namespace pygmy::schedulers
