// What every scheduler works with: one pass over some bands of an image, and the failures it
// leaves for the next pass.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "band_timer.hpp"
#include "pprocess/exchange.hpp"
#include "pprocess/shared.hpp"
#include "pygmy/schedulers.hpp"

namespace pygmy::schedulers {

using Pixels = std::vector<std::uint8_t>;

// Bands whose process died, and why the last one did.
struct Failures {
  std::vector<int> bands;
  std::string reason;

  void add(int band, const std::exception& why) {
    bands.push_back(band);
    reason = why.what();
  }
};

// Which worker rendered each band, the workers numbered 0, 1, ... in the order they first
// delivered. A worker is named by its pass and a key that tells it from the other workers of
// that pass: a thread's index, the number a forked process drew (ForkNumbers), the band a process
// was forked for. Never by a pid: the system hands a pid out again once its process is gone
// (within a long pass as across passes), so two workers could share one.
//   WorkerNumbers workers(3);
//   workers.delivered(0, 1, 7);
//   workers.delivered(1, 2, 7);  // pass 2's worker 7 is another worker
//   std::size_t count = 0;
//   std::vector<int> numbers = workers.of_bands(count);  // {0, 1, -1}, count 2
class WorkerNumbers {
 public:
  explicit WorkerNumbers(std::size_t bands) : band_worker_(bands, -1) {}
  // Band `band` was delivered by worker `key` of pass `pass`.
  void delivered(std::size_t band, int pass, long key);
  // The worker of each band (-1 for a band never delivered), numbered from 0 in the order they
  // first delivered a band still in the image; `count`: how many there are.
  [[nodiscard]] std::vector<int> of_bands(std::size_t& count) const;

 private:
  std::map<std::pair<int, long>, int> first_delivered_;  // of each worker, its place in time
  std::vector<int> band_worker_;                         // a place in time, of each band
};

// Numbers the processes of a pass, each once, from a counter they share: mine(), in a forked
// process, draws the next number at its first call and keeps it for its bands after. Made before
// the forks; the process that makes it must not call mine().
//   ForkNumbers numbers;
//   map([&](int index) { return Result(numbers.mine(), pass.render(index)); }, todo);
class ForkNumbers {
 public:
  [[nodiscard]] long mine() {
    if (!mine_) mine_ = (*next_)++;
    return *mine_;
  }

 private:
  pprocess::Shared<std::atomic<long>> next_{1, 0};
  std::optional<long> mine_;  // this process's own copy: set in the forked process only
};

// What the passes of one render add up to.
struct Tally {
  explicit Tally(std::size_t bands) : workers(bands), rows_received(bands, 0) {}

  int rows_done = 0;
  std::size_t forks = 0;
  WorkerNumbers workers;                      // who rendered each band
  std::vector<int> rows_received;             // of each band streamed in pieces, in this pass
  std::optional<unsigned> processes_allowed;  // when the system refused some processes
  // The tracer's counters (pixels, segments, segment tests), added to by every worker: in memory
  // mapped before any fork, so a forked process's bands count as a thread's do.
  pprocess::Shared<std::atomic<std::uint64_t>> traced{3, 0};

  [[nodiscard]] RenderCounters counters() const {
    return {traced[0].load(), traced[1].load(), traced[2].load()};
  }
};

// One pass over some bands: the image being filled and what the pass reports.
class Pass {
 public:
  Pass(const Scene& scene, const RenderPlan& plan, const std::vector<Band>& bands, Image& image,
       int attempt, Tally& tally)
      : scene_(scene),
        plan_(plan),
        bands_(bands),
        image_(image),
        attempt_(attempt),
        tally_(tally) {}

  // Renders band `index` into memory of its own: what a worker whose pixels travel runs.
  [[nodiscard]] Pixels render(int index) const;
  // Renders band `index` straight into `rows` (the image's, or a shared framebuffer's).
  void render_into(int index, std::span<std::uint8_t> rows) const;
  // Renders rows [y0, y1) into `rows` without the pass's hooks, counting what the tracer did: for
  // a scheduler that renders in its own process or threads.
  void render_rows(int y0, int y1, std::span<std::uint8_t> rows) const;

  // Renders band `index` a piece of about 32 KiB of rows at a time, each passed to `send` with
  // its first row: a fresh process writes to a few pages of its own, not to as many as the band
  // has.
  void render_in_pieces(
      int index, const std::function<void(int y0, std::span<const std::uint8_t>)>& send) const;
  // The rows of a piece: about 32 KiB of pixels, at least one row.
  [[nodiscard]] int piece_rows() const;
  // Receives the next piece of band `index` straight into its rows, from the process forked for
  // that band alone. True: that was the last.
  bool receive_piece(int index, pprocess::Channel& channel);
  // The bands of `todo` not received whole (their process ended part way), as failures.
  void add_incomplete(const std::vector<int>& todo, Failures& failures) const;
  // Copies a rendered band into the image. `worker`: a key that tells the worker that rendered it
  // from the other workers of this pass (see WorkerNumbers), never a pid.
  void deliver(int index, std::span<const std::uint8_t> pixels, long worker);
  // Counts a band as done (its pixels are already in place); `worker` as for deliver().
  void mark_done(int index, long worker);
  // Rows [y0, y1) of the image, to render into.
  [[nodiscard]] std::span<std::uint8_t> image_rows(int y0, int y1) { return image_.rows(y0, y1); }
  // Counts what an exchange did: processes forked, and how many it could run at once.
  void ran(const pprocess::Exchange& exchange) {
    forked(exchange.forks());
    allowed(exchange.limit());
  }
  // Counts processes forked.
  void forked(std::size_t processes) { tally_.forks += processes; }
  // Records that no more than `workers` processes (or threads) could run at once, this one
  // included: the system refused the others, and the render went on with those.
  void allowed(std::size_t workers) {
    if (workers >= processes()) return;
    const auto fewer = static_cast<unsigned>(workers);
    tally_.processes_allowed = std::min(tally_.processes_allowed.value_or(fewer), fewer);
  }

  [[nodiscard]] const RenderPlan& plan() const { return plan_; }
  [[nodiscard]] unsigned processes() const { return std::max(plan_.processes, 1U); }
  [[nodiscard]] const Band& band(int index) const {
    return bands_[static_cast<std::size_t>(index)];
  }
  [[nodiscard]] std::span<std::uint8_t> rows_of(int index) {
    return image_.rows(band(index).y0, band(index).y1);
  }
  [[nodiscard]] const Image& image() const { return image_; }
  [[nodiscard]] const Scene& scene() const { return scene_; }

 private:
  // Adds what the tracer did for a band to the render's counters.
  void count(const RenderCounters& done) const {
    tally_.traced[0] += done.pixels;
    tally_.traced[1] += done.segments;
    tally_.traced[2] += done.segment_tests;
  }

  const Scene& scene_;
  const RenderPlan& plan_;
  const std::vector<Band>& bands_;
  Image& image_;
  int attempt_;
  Tally& tally_;
};

// The options of a scheduler's exchange: its workers, and the bands' deadline as planned.
pprocess::Options exchange_options(const Pass& pass, bool reuse);

// An Exchange whose results are bands: `store` takes each as it arrives (saying whether its band
// is complete), a task that fails (its process died, ran past its deadline, or sent no band) is
// kept in `failures` for the next pass, and the deadline follows the bands timed so far. A
// task's id is its position in `todo`.
class BandExchange : public pprocess::Exchange {
 public:
  using Store = std::function<bool(int band, pprocess::Channel&)>;

  BandExchange(const Pass& pass, const std::vector<int>& todo, bool reuse, Store store)
      : Exchange(exchange_options(pass, reuse)),
        timer_(pass.plan().band_timeout),
        todo_(todo),
        store_(std::move(store)) {}

  Failures failures;

 protected:
  void store_data(pprocess::Channel& channel) override;
  void task_failed(std::size_t task, std::exception_ptr reason) override;

 private:
  BandTimer timer_;
  const std::vector<int>& todo_;
  Store store_;
};

// A Map or Queue of bands whose deadline follows the bands timed so far.
template <class Base>
class TimedBands : public Base {
 public:
  TimedBands(const Pass& pass, bool reuse)
      : Base(exchange_options(pass, reuse)), timer_(pass.plan().band_timeout) {}

 protected:
  void store_data(pprocess::Channel& channel) override {
    const auto elapsed = this->task_elapsed(channel);
    Base::store_data(channel);
    if (elapsed) this->set_task_timeout(timer_.finished(*elapsed));
  }

 private:
  BandTimer timer_;
};

// The schedulers, one file each; the table in schedulers.cpp lists them.
Failures run_sequential(Pass& pass, const std::vector<int>& todo);
Failures run_pool(Pass& pass, const std::vector<int>& todo);
Failures run_exchange(Pass& pass, const std::vector<int>& todo);
Failures run_map(Pass& pass, const std::vector<int>& todo);
Failures run_queue(Pass& pass, const std::vector<int>& todo);
Failures run_reuse(Pass& pass, const std::vector<int>& todo);
Failures run_shared(Pass& pass, const std::vector<int>& todo);
Failures run_threads(Pass& pass, const std::vector<int>& todo);
Failures run_openmp(Pass& pass, const std::vector<int>& todo);  // when built with OpenMP
Failures run_tbb(Pass& pass, const std::vector<int>& todo);     // when built with oneTBB

}  // namespace pygmy::schedulers
