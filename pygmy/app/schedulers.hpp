// Who renders which band: the seven schedulers of the pygmy command, all giving the same pixels.
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "pygmy/image.hpp"
#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"

namespace pygmy::app {

// How the bands of an image are shared out.
enum class Scheduler {
  sequential,  // one band after another, in this process
  exchange,    // an Exchange subclass with manage + store_data: PyGmy's own way
  map,         // pmap: results in band order
  queue,       // Queue: results in arrival order
  reuse,       // Map with reusable workers: a few processes render every band
  shared,      // workers write into a framebuffer mapped before fork; channels say "done"
  threads,     // an in-process thread pool: the baseline without processes
};

// Every scheduler, in the order above.
[[nodiscard]] const std::vector<Scheduler>& all_schedulers();
// The name used on the command line, e.g. "exchange".
[[nodiscard]] std::string_view name_of(Scheduler scheduler);
// The scheduler called `name`, if there is one.
[[nodiscard]] std::optional<Scheduler> scheduler_named(std::string_view name);

// Rows per band unless told otherwise; docs/benchmarks.md shows how it was chosen.
inline constexpr int kDefaultBandRows = 16;

// How to render: who, with how many processes, in bands of how many rows.
//   RenderPlan plan{.scheduler = Scheduler::map, .processes = 4};
//   Image image = render(scene, plan);
struct RenderPlan {
  Scheduler scheduler = Scheduler::exchange;  // who renders which band
  unsigned processes = 1;                     // processes (or threads) at once
  int band_rows = kDefaultBandRows;           // rows per band; the last band may be shorter
  int max_attempts = 3;                       // renders of a band whose process died, at most
  // Called in this process as bands arrive: rows done so far, rows in all.
  std::function<void(int done, int total)> progress;
  // Called in the worker before it renders a band (attempt 1, 2, ...): tests inject faults here.
  std::function<void(const Band& band, int attempt)> before_band;
};

// A band could not be rendered: its process died on every attempt, or rendering threw.
class RenderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Renders `scene` as `plan` says. A band whose process died is rendered again, up to
// plan.max_attempts times in all, so no row is lost.
//   Image image = render(builtin_scene(), {.scheduler = Scheduler::exchange, .processes = 2});
[[nodiscard]] Image render(const Scene& scene, const RenderPlan& plan);

}  // namespace pygmy::app
