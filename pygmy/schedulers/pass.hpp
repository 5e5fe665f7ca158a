// What every scheduler works with: one pass over some bands of an image, and the failures it
// leaves for the next pass.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "pprocess/exchange.hpp"
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

// What the passes of one render add up to.
struct Tally {
  int rows_done = 0;
  std::size_t forks = 0;
  std::vector<long> band_worker;   // the worker (a pid, or a thread's number) of each band
  std::vector<int> rows_received;  // of each band streamed in pieces, in this pass
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

  // Receives band `index` from `channel` straight into its rows of the image.
  void receive(int index, pprocess::Channel& channel);

  // Renders band `index` a piece of about 32 KiB of rows at a time, each passed to `send`: a
  // fresh process writes to a few pages of its own, not to as many as the band has.
  void render_in_pieces(int index,
                        const std::function<void(std::span<const std::uint8_t>)>& send) const;
  // Receives the next piece of band `index` straight into its rows; the last one completes it.
  void receive_piece(int index, pprocess::Channel& channel);
  // The bands of `todo` not received whole (their process ended part way), as failures.
  void add_incomplete(const std::vector<int>& todo, Failures& failures) const;
  // Copies a rendered band into the image.
  void deliver(int index, std::span<const std::uint8_t> pixels, long worker);
  // Counts a band as done (its pixels are already in place).
  void mark_done(int index, long worker);
  // Counts processes forked.
  void forked(std::size_t count) { tally_.forks += count; }

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
  const Scene& scene_;
  const RenderPlan& plan_;
  const std::vector<Band>& bands_;
  Image& image_;
  int attempt_;
  Tally& tally_;
};

// An Exchange whose results are bands: `store` takes each as it arrives, and a task that fails
// (its process died, or sent no band) is kept in `failures` for the next pass. A task's id is
// its position in `todo`.
class BandExchange : public pprocess::Exchange {
 public:
  using Store = std::function<void(int band, pprocess::Channel&)>;

  BandExchange(const Pass& pass, const std::vector<int>& todo, bool reuse, Store store)
      : Exchange({.limit = pass.processes(), .reuse = reuse}),
        todo_(todo),
        store_(std::move(store)) {}

  Failures failures;

 protected:
  void store_data(pprocess::Channel& channel) override {
    store_(todo_[task_of(channel).value()], channel);
  }
  void task_failed(std::size_t task, std::exception_ptr reason) override;

 private:
  const std::vector<int>& todo_;
  Store store_;
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

}  // namespace pygmy::schedulers
