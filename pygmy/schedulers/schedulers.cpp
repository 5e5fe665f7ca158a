// The table of schedulers, the band-size rule, and render(): passes over the bands until every
// band is in, each failed band rendered again.
#include "pygmy/schedulers.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

#include "pass.hpp"
#include "pprocess/channel.hpp"
#include "pprocess/memory.hpp"
#include "pygmy/band_cost.hpp"
#include "pygmy/measure/resource_usage.hpp"
#include "pygmy/mpi.hpp"

namespace pygmy::schedulers {

namespace {

// Every scheduler: adding one is a row here and a file beside this one.
constexpr std::array kSchedulers{
    Scheduler{"pool", "processes forked once per CPU; bands handed out as they free up (default)",
              Workers::forked_once, run_pool, /*plans=*/true},
    Scheduler{"exchange", "a process per band, results taken by store_data: PyGmy's own way",
              Workers::forked_per_band, run_exchange, /*plans=*/true},
    Scheduler{"map", "a process per band through pmap: results in band order",
              Workers::forked_per_band, run_map, /*plans=*/true},
    Scheduler{"queue", "a process per band through a Queue: results in arrival order",
              Workers::forked_per_band, run_queue, /*plans=*/true},
    Scheduler{"reuse", "a Map with reusable workers: a few processes render every band",
              Workers::forked_once, run_reuse, /*plans=*/true},
    Scheduler{"shared", "a process per band writing into a framebuffer shared before the fork",
              Workers::forked_per_band, run_shared, /*plans=*/true},
    Scheduler{"threads", "a thread pool in this process: the baseline without processes",
              Workers::threads, run_threads, /*plans=*/true},
    Scheduler{"sequential", "every band in this process, one after another", Workers::none,
              run_sequential},
#ifdef PYGMY_HAVE_OPENMP
    Scheduler{"openmp", "an OpenMP loop over the bands in image order, schedule(dynamic, 1)",
              Workers::threads, run_openmp},
#endif
#ifdef PYGMY_HAVE_TBB
    Scheduler{"tbb", "oneTBB's parallel_for over the bands in image order, auto partitioner",
              Workers::threads, run_tbb},
#endif
#ifdef PYGMY_HAVE_MPI
    Scheduler{mpi::kName, mpi::kSummary, Workers::ranks, nullptr, /*plans=*/true},
#endif
};

// What asking for a scheduler that some builds lack says, where this build lacks it (it is then
// no row of the table); empty for any other name.
std::string_view not_built(std::string_view name) {
  if (name == mpi::kName) return mpi::kNotBuilt;
  if (name == "openmp") {
    return "--scheduler openmp: this build of pygmy has no OpenMP (GCC's libgomp: build with a "
           "compiler that has it)";
  }
  if (name == "tbb") {
    return "--scheduler tbb: this build of pygmy has no TBB (install libtbb-dev, then build "
           "again)";
  }
  return {};
}

}  // namespace

std::span<const Scheduler> all_schedulers() { return kSchedulers; }

const Scheduler& scheduler_named(std::string_view name) {
  for (const Scheduler& scheduler : kSchedulers) {
    if (scheduler.name == name) return scheduler;
  }
  if (const std::string_view missing = not_built(name); !missing.empty()) {
    throw std::invalid_argument(std::string(missing));
  }
  std::string known;
  for (const Scheduler& scheduler : kSchedulers) {
    known += (known.empty() ? "" : ", ") + std::string(scheduler.name);
  }
  throw std::invalid_argument("no scheduler called '" + std::string(name) + "' (there are " +
                              known + ")");
}

int most_band_rows(int width) {
  const auto row_bytes = static_cast<std::uint64_t>(width) * 3;
  return static_cast<int>(std::max<std::uint64_t>(1, pprocess::kMaxMessageBytes / row_bytes));
}

int default_band_rows(const Scheduler& scheduler, int width, int height, unsigned workers) {
  // Bands each worker should get: with a fork per band, each band pays for its process, so
  // fewer and larger; with workers forked once (threads, ranks) a band costs a message, so many
  // small ones, which even out the last bands.
  const unsigned per_worker = scheduler.workers == Workers::forked_per_band ? 4 : 16;
  const unsigned bands = std::max(workers, 1U) * per_worker;
  const int rows = static_cast<int>((static_cast<unsigned>(height) + bands - 1) / bands);
  return std::clamp(rows, 1, most_band_rows(width));
}

// --- Pass -----------------------------------------------------------------------------------

Pixels Pass::render(int index) const {
  const Band& b = band(index);
  if (plan_.before_band) plan_.before_band(b, attempt_);
  Pixels pixels(static_cast<std::size_t>(b.y1 - b.y0) * image_.row_bytes());
  count(render_band_into(scene_, b.y0, b.y1, pixels, best_kernel()));
  return pixels;
}

void Pass::render_into(int index, std::span<std::uint8_t> rows) const {
  const Band& b = band(index);
  if (plan_.before_band) plan_.before_band(b, attempt_);
  count(render_band_into(scene_, b.y0, b.y1, rows, best_kernel()));
}

void Pass::render_rows(int y0, int y1, std::span<std::uint8_t> rows) const {
  count(render_band_into(scene_, y0, y1, rows, best_kernel()));
}

int Pass::piece_rows() const {
  return std::max(1, static_cast<int>(32 * 1024 / image_.row_bytes()));
}

void Pass::render_in_pieces(
    int index, const std::function<void(int y0, std::span<const std::uint8_t>)>& send) const {
  const Band& b = band(index);
  if (plan_.before_band) plan_.before_band(b, attempt_);
  const int rows = piece_rows();
  Pixels piece(static_cast<std::size_t>(std::min(rows, b.y1 - b.y0)) * image_.row_bytes());
  for (int y = b.y0; y < b.y1; y += rows) {
    const int y1 = std::min(y + rows, b.y1);
    const std::span<std::uint8_t> out(piece.data(),
                                      static_cast<std::size_t>(y1 - y) * image_.row_bytes());
    count(render_band_into(scene_, y, y1, out, best_kernel()));
    send(y, out);
  }
}

bool Pass::receive_piece(int index, pprocess::Channel& channel) {
  const Band& b = band(index);
  int& received = tally_.rows_received[static_cast<std::size_t>(index)];
  const int y = b.y0 + received;
  const int y1 = std::min(y + piece_rows(), b.y1);
  channel.receive_into(image_.rows(y, y1));
  received += y1 - y;
  if (y1 < b.y1) return false;
  mark_done(index, index);
  return true;
}

void Pass::add_incomplete(const std::vector<int>& todo, Failures& failures) const {
  for (int index : todo) {
    const Band& b = band(index);
    const int received = tally_.rows_received[static_cast<std::size_t>(index)];
    const bool failed =
        std::find(failures.bands.begin(), failures.bands.end(), index) != failures.bands.end();
    if (received < b.y1 - b.y0 && !failed) {
      failures.bands.push_back(index);
      failures.reason = "its process ended after " + std::to_string(received) + " of " +
                        std::to_string(b.y1 - b.y0) + " rows";
    }
  }
}

void Pass::deliver(int index, std::span<const std::uint8_t> pixels, long worker) {
  image_.set_rows(band(index).y0, pixels);
  mark_done(index, worker);
}

void Pass::mark_done(int index, long worker) {
  const Band& b = band(index);
  tally_.rows_done += b.y1 - b.y0;
  tally_.workers.delivered(static_cast<std::size_t>(index), attempt_, worker);
  if (plan_.progress) plan_.progress(tally_.rows_done, image_.height());
}

std::optional<std::chrono::milliseconds> band_deadline(
    std::vector<std::chrono::milliseconds> finished) {
  using std::chrono::milliseconds;
  if (finished.empty()) return std::nullopt;
  const auto middle = finished.begin() + static_cast<std::ptrdiff_t>(finished.size() / 2);
  std::nth_element(finished.begin(), middle, finished.end());
  return std::max(milliseconds(30'000), 20 * *middle);
}

pprocess::Options exchange_options(const Pass& pass, bool reuse) {
  return {.limit = pass.processes(), .reuse = reuse, .task_timeout = pass.plan().band_timeout};
}

void BandExchange::store_data(pprocess::Channel& channel) {
  const std::size_t task = task_of(channel).value();
  const auto elapsed = task_elapsed(channel);
  if (store_(todo_[task], channel) && elapsed) set_task_timeout(timer_.finished(*elapsed));
}

void BandExchange::task_failed(std::size_t task, std::exception_ptr reason) {
  try {
    std::rethrow_exception(reason);
  } catch (const pprocess::Error& error) {
    failures.add(todo_[task], error);
  }
}

// --- WorkerNumbers --------------------------------------------------------------------------

void WorkerNumbers::delivered(std::size_t band, int pass, long key) {
  const auto [at, fresh] =
      first_delivered_.try_emplace({pass, key}, static_cast<int>(first_delivered_.size()));
  band_worker_.at(band) = at->second;
}

std::vector<int> WorkerNumbers::of_bands(std::size_t& count) const {
  // A worker whose every band was delivered again later has none left: the others close up.
  std::vector<int> kept;
  for (const int worker : band_worker_) {
    if (worker >= 0) kept.push_back(worker);
  }
  std::sort(kept.begin(), kept.end());
  kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
  count = kept.size();
  std::vector<int> numbers;
  numbers.reserve(band_worker_.size());
  for (const int worker : band_worker_) {
    numbers.push_back(
        worker < 0
            ? -1
            : static_cast<int>(std::lower_bound(kept.begin(), kept.end(), worker) - kept.begin()));
  }
  return numbers;
}

// --- render ---------------------------------------------------------------------------------

namespace {}  // namespace

Layout layout(const Scene& scene, const RenderPlan& plan) {
  Layout result;
  result.scheduler = &scheduler_named(plan.scheduler);
  const Workers workers = result.scheduler->workers;
  result.processes = workers == Workers::none ? 1 : std::max(plan.processes, 1U);
  result.ranks = workers == Workers::ranks ? std::max(plan.ranks, 1U) : 1;
  const unsigned sharing = workers == Workers::ranks ? result.ranks : result.processes;
  if (!plan.band_rows && result.scheduler->plans && sharing > 1) {
    result.planned = true;
    result.bands = planned_bands(row_costs(scene), sharing, most_band_rows(scene.width));
    result.band_rows = 0;
    for (const Band& band : result.bands)
      result.band_rows = std::max(result.band_rows, band.y1 - band.y0);
    return result;
  }
  const int rows = plan.band_rows.value_or(
      default_band_rows(*result.scheduler, scene.width, scene.height, sharing));
  result.band_rows = std::clamp(rows, 1, std::min(scene.height, most_band_rows(scene.width)));
  result.bands = split_rows(scene.height, result.band_rows);
  return result;
}

Rendered render(const Scene& scene, const RenderPlan& plan) {
  return render(scene, plan, layout(scene, plan));
}

Rendered render(const Scene& scene, const RenderPlan& plan, const Layout& planned) {
  if (plan.max_attempts < 1) throw std::invalid_argument("max_attempts must be at least 1");
  const Scheduler& scheduler = *planned.scheduler;
  if (!scheduler.renders_here()) {
    throw std::invalid_argument("the " + std::string(scheduler.name) +
                                " scheduler renders with every rank of a job: mpi::run_job");
  }
  const unsigned processes = planned.processes;
  const std::vector<Band>& bands = planned.bands;
  const measure::ResourceUsage before = measure::resource_usage();
  const auto started = std::chrono::steady_clock::now();
  // Results are received straight into the image; forks leave it out, so they neither copy its
  // page table nor turn this process's writes to it into copy-on-write faults.
  Rendered result{Image(scene.width, scene.height, pprocess::not_inherited_memory()), {}};
  Tally tally(bands.size());
  std::vector<int> todo(bands.size());
  for (std::size_t i = 0; i < todo.size(); ++i) todo[i] = static_cast<int>(i);
  std::string reason;
  RenderPlan pass_plan = plan;
  pass_plan.processes = processes;
  for (int attempt = 1; attempt <= plan.max_attempts; ++attempt) {
    for (int index : todo) tally.rows_received[static_cast<std::size_t>(index)] = 0;
    Pass pass(scene, pass_plan, bands, result.image, attempt, tally);
    Failures failures = scheduler.run(pass, todo);
    result.stats.passes = static_cast<std::size_t>(attempt);
    if (failures.bands.empty()) {
      const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - started;
      const measure::ResourceUsage cost = measure::resource_usage() - before;
      RenderStats& stats = result.stats;
      stats.scheduler = std::string(scheduler.name);
      stats.seconds = seconds.count();
      stats.cpu_seconds = cost.cpu_seconds;
      stats.minor_faults = cost.minor_faults;
      stats.band_rows = planned.band_rows;
      stats.planned = planned.planned;
      stats.band_list = planned.bands;
      stats.bands = bands.size();
      stats.processes = processes;
      stats.forks = tally.forks;
      stats.counters = tally.counters();
      stats.processes_allowed = tally.processes_allowed;
      stats.band_worker = tally.workers.of_bands(stats.workers);
      return result;
    }
    std::sort(failures.bands.begin(), failures.bands.end());
    todo = std::move(failures.bands);
    reason = std::move(failures.reason);
  }
  const Band& first = bands[static_cast<std::size_t>(todo.front())];
  throw RenderError(std::to_string(todo.size()) + " band(s), first rows " +
                    std::to_string(first.y0) + "-" + std::to_string(first.y1 - 1) + ", failed " +
                    std::to_string(plan.max_attempts) + " times; last: " + reason);
}

}  // namespace pygmy::schedulers
