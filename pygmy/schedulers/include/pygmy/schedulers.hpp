// Who renders which band: every way of sharing an image's bands out to processes (or threads),
// one table of them, and a render that survives workers dying.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "pygmy/image.hpp"
#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"

namespace pygmy::schedulers {

// How a scheduler's workers come to be: what its per-band cost is made of.
enum class Workers {
  none,             // this process renders every band
  threads,          // threads of this process
  forked_once,      // processes forked once, each rendering many bands
  forked_per_band,  // a process forked for every band
  ranks,            // the ranks of an MPI job, each forking processes of its own
};

class Pass;
struct Failures;

// One way of sharing the bands out. The table of them is all_schedulers().
//   const Scheduler& pool = scheduler_named("pool");
struct Scheduler {
  std::string_view name;     // as on the command line
  std::string_view summary;  // one line, for --help and the docs
  Workers workers;
  // Renders the bands `todo` of one pass; returns those whose worker died. nullptr for `mpi`,
  // whose render every rank of a job takes part in: mpi::run_job (pygmy/mpi.hpp) runs it.
  Failures (*run)(Pass& pass, const std::vector<int>& todo);

  // Whether its bands are planned by cost (planned_bands) when no band rows are asked for: every
  // one of the project's own schedulers, whose workers take the next band as they free up (with
  // a fork per band, the large bands first also mean few forks). The peers (openmp, tbb) stay as
  // a user would write them: bands of one size in image order.
  bool plans = false;

  // Whether render() can run it in this process (every scheduler but `mpi`).
  [[nodiscard]] bool renders_here() const { return run != nullptr; }
};

// Every scheduler of this build, the default first (`openmp`, `tbb` and `mpi` only when built
// with OpenMP, oneTBB and MPI): the one list that --help, option checks and the tests read.
//   for (const Scheduler& s : all_schedulers()) std::cout << s.name << '\n';
[[nodiscard]] std::span<const Scheduler> all_schedulers();
// The scheduler called `name`; std::invalid_argument naming the known ones if there is none (or
// saying that this build has no MPI, OpenMP or TBB, for `mpi`, `openmp` or `tbb`).
//   const Scheduler& s = scheduler_named("exchange");
[[nodiscard]] const Scheduler& scheduler_named(std::string_view name);
// The one used unless told otherwise: forked once per CPU, bands handed out as workers free up.
inline constexpr std::string_view kDefaultScheduler = "pool";

// The rows of a band when none are asked for: enough bands for every worker (process, thread or
// MPI rank) to get several (the last bands finish together), few enough that a per-band fork
// stays a small share of a band's work; never so many rows that a band's pixels exceed one
// channel message. docs/benchmarks.md shows the measurements behind it.
//   int rows = default_band_rows(scheduler_named("exchange"), 1500, 1000, 2);
[[nodiscard]] int default_band_rows(const Scheduler& scheduler, int width, int height,
                                    unsigned workers);
// The most rows a band of an image `width` pixels wide may have: its pixels fit one message.
[[nodiscard]] int most_band_rows(int width);

// The finest slices of work planned_bands() cuts for each worker.
inline constexpr int kSlicesPerWorker = 32;

// Bands planned by cost for `workers` (processes, threads or ranks) sharing an image whose rows
// cost `row_costs` (estimate_row_costs): the image is cut into workers × kSlicesPerWorker slices
// of equal estimated cost, and these are gathered top to bottom into pieces by factoring (each
// round of one piece a worker takes half the slices left), so the bands, in image order, are
// also in the order they are handed out: the dearest first, shrinking to one slice at the end,
// where the last bands of every worker finish together. Every row is in exactly one band; none
// has more than `most_rows` rows. std::invalid_argument for no rows.
//   std::vector<Band> bands = planned_bands(row_costs(scene), 2, most_band_rows(scene.width));
[[nodiscard]] std::vector<Band> planned_bands(const std::vector<double>& row_costs,
                                              unsigned workers, int most_rows);

// How long a band may run when no band_timeout is given: no limit until a band has finished,
// then 20 times the median band so far, and never less than 30 s. A stalled worker (stopped,
// deadlocked, lost in an endless loop) is found without ending a slow but working one.
//   auto limit = band_deadline({40ms, 50ms, 45ms});  // 30 s
[[nodiscard]] std::optional<std::chrono::milliseconds> band_deadline(
    std::vector<std::chrono::milliseconds> finished);

// How to render: who, with how many workers, in bands of how many rows.
//   RenderPlan plan{.scheduler = "map", .processes = 4};
//   Rendered result = render(scene, plan);
struct RenderPlan {
  std::string_view scheduler = kDefaultScheduler;  // who renders which band
  unsigned processes = 1;                          // processes (or threads) at once
  std::optional<int> band_rows{};  // rows per band (capped by most_band_rows); unset: the default
  unsigned ranks = 1;              // the ranks of an MPI job (set by mpi::run_job)
  int max_attempts = 3;            // renders of a band whose process died, at most
  // A band still running this long is ended and rendered again (a failed attempt). Unset: the
  // rule of band_deadline(), from the bands rendered so far.
  std::optional<std::chrono::milliseconds> band_timeout{};
  // Called in this process as bands arrive: rows done so far, rows in all.
  std::function<void(int done, int total)> progress{};
  // Called in the worker before it renders a band (attempt 1, 2, ...): tests inject faults here.
  std::function<void(const Band& band, int attempt)> before_band{};
};

// How a render by a plan shares out its image, settled once before it starts: the scheduler, the
// workers at once, and the bands. Everything that reports on a render reads it from here.
//   Layout l = layout(scene, {.scheduler = "exchange", .processes = 2});
//   std::cout << l.bands.size() << " bands of " << l.band_rows << " rows\n";
struct Layout {
  const Scheduler* scheduler = nullptr;
  unsigned processes = 1;  // processes (or threads) at once; 1 for a scheduler without workers
  unsigned ranks = 1;      // MPI ranks, for `mpi`
  int band_rows = 1;       // rows of each band (the last may have fewer); planned: the most
  bool planned = false;    // bands planned by cost (planned_bands), of many sizes
  std::vector<Band> bands;
};

// The layout of a render of `scene` by `plan`: plan.band_rows; or, for a scheduler that plans
// with more than one worker, bands planned by cost from a quick estimate of the scene's rows
// (about 0.4% of a render); or the default rows for its scheduler and workers; capped by the
// image and most_band_rows(). std::invalid_argument for an unknown scheduler.
[[nodiscard]] Layout layout(const Scene& scene, const RenderPlan& plan);

// What a render cost, beside the picture.
struct RenderStats {
  std::string scheduler;
  int band_rows = 0;     // of each band; for bands planned by cost, the most
  bool planned = false;  // bands planned by cost
  std::size_t bands = 0;
  std::vector<Band> band_list;  // the bands, top to bottom
  unsigned processes = 0;       // processes (or threads) at once, as planned
  unsigned ranks = 1;           // MPI ranks, for `mpi`
  double seconds = 0;           // wall clock, from the first band handed out to the last received
  double cpu_seconds = 0;       // user + system of this process and its workers (every rank's, mpi)
  long minor_faults = 0;        // of this process and its workers
  std::size_t forks = 0;        // processes forked, every pass included
  std::size_t passes = 0;       // 1, plus one for each round of bands rendered again
  // The most processes that ran at once, when the system allowed fewer than planned (fork's
  // EAGAIN, a descriptor limit); unset when every planned process could start.
  std::optional<unsigned> processes_allowed;
  // Which worker rendered each band (in the last pass that rendered it), numbered from 0 in
  // the order they first delivered (for `mpi`, the rank); `workers` of them took part.
  std::vector<int> band_worker;
  std::size_t workers = 0;
  // What the tracer did, every worker's bands added up (a band rendered again counts twice);
  // zero for `mpi`, whose ranks do not report it.
  RenderCounters counters;
};

// An image and how it was made.
struct Rendered {
  Image image;
  RenderStats stats;
};

// A band could not be rendered: its process died on every attempt, or rendering threw.
class RenderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Renders `scene` as `plan` says, and measures what it cost. A band whose process died is
// rendered again, up to plan.max_attempts times in all, so no row is lost. The image's memory is
// not inherited by the processes forked meanwhile. std::invalid_argument for `mpi`, which
// mpi::run_job renders.
//   Rendered result = render(builtin_scene(), {.scheduler = "exchange", .processes = 2});
//   write_tiff("test.tif", result.image);
[[nodiscard]] Rendered render(const Scene& scene, const RenderPlan& plan);
// The same with its layout settled already (layout(scene, plan)), so that it is not worked out
// twice.
[[nodiscard]] Rendered render(const Scene& scene, const RenderPlan& plan, const Layout& planned);

}  // namespace pygmy::schedulers
