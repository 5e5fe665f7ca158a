// Rendering speed. BM_Sweep: the built-in scene from 300x200 to 6000x4000 by scheduler and
// processes, with what each band costs beyond its pixels (CPU, page faults, forks). BM_Render:
// every scheduler × processes × band rows on the showcase scene. BM_Capacity: the calibration
// loop at each process count, what the machine itself gains. Each benchmark says how much other
// work ran on the CPUs meanwhile, so that a report can tell a busy minute from a slow scheduler.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "pprocess/cores.hpp"
#include "pygmy/measure/capacity.hpp"
#include "pygmy/measure/disturbance.hpp"
#include "pygmy/measure/machine.hpp"
#include "pygmy/measure/resource_usage.hpp"
#include "pygmy/measure/statistics.hpp"
#include "pygmy/scene.hpp"
#include "pygmy/scene_file.hpp"
#include "pygmy/schedulers.hpp"

namespace {

namespace schedulers = pygmy::schedulers;
using pygmy::measure::Disturbance;
using pygmy::measure::DisturbanceMeter;
using pygmy::measure::ResourceUsage;

// What one render took.
struct Measurement {
  double seconds = 0;
  ResourceUsage usage{};  // CPU and minor faults, of this process and its workers
  schedulers::RenderStats stats{};
};

// A render measures itself (RenderStats: seconds, CPU and page faults).
Measurement measure(const pygmy::Scene& scene, const schedulers::RenderPlan& plan) {
  schedulers::Rendered rendered = schedulers::render(scene, plan);
  benchmark::DoNotOptimize(rendered.image);
  const schedulers::RenderStats& stats = rendered.stats;
  return {stats.seconds, {stats.cpu_seconds, stats.minor_faults}, std::move(rendered.stats)};
}

// A baseline's medians: the sequential render of an image, or threads at a process count.
struct Baseline {
  double seconds = 0;
  double cpu_seconds = 0;
};

// The renders other benchmarks are compared with, by name: the medians of that benchmark's own
// renders so far, so that every ratio is measured against the same run's baseline. Before that
// benchmark has rendered (it may be filtered out, or come later when repetitions are
// interleaved), one render is measured here and counted among them.
class Baselines {
 public:
  void record(const std::string& name, const Measurement& render) {
    renders_[name].push_back({render.seconds, render.usage.cpu_seconds});
  }

  Baseline of(const std::string& name, const pygmy::Scene& scene,
              const schedulers::RenderPlan& plan) {
    std::vector<Baseline>& renders = renders_[name];
    if (renders.empty()) {
      const Measurement once = measure(scene, plan);
      renders.push_back({once.seconds, once.usage.cpu_seconds});
    }
    std::vector<double> seconds;
    std::vector<double> cpu;
    for (const Baseline& render : renders) {
      seconds.push_back(render.seconds);
      cpu.push_back(render.cpu_seconds);
    }
    return {pygmy::measure::median(seconds), pygmy::measure::median(cpu)};
  }

 private:
  std::map<std::string, std::vector<Baseline>> renders_;
};

schedulers::RenderPlan plan_of(std::string_view scheduler, unsigned processes,
                               std::optional<int> band_rows = std::nullopt) {
  schedulers::RenderPlan plan;
  plan.scheduler = scheduler;
  plan.processes = processes;
  plan.band_rows = band_rows;
  return plan;
}

// The sums of a benchmark's renders, divided by their number at the end, and what else ran on
// the CPUs while they did.
struct Totals {
  double seconds = 0;
  ResourceUsage usage{};
  double forks = 0;
  std::size_t bands = 0;
  Disturbance disturbance{};

  void add(const Measurement& render) {
    seconds += render.seconds;
    usage.cpu_seconds += render.usage.cpu_seconds;
    usage.minor_faults += render.usage.minor_faults;
    forks += static_cast<double>(render.stats.forks);
    bands = render.stats.bands;
  }
};

// What other work (and the hypervisor's steal) took of the CPUs while a benchmark ran, in CPUs'
// worth: counters other_share and steal_share, which a report compares with
// pygmy::measure::kDisturbedShare.
void count_disturbance(benchmark::State& state, const Disturbance& disturbance) {
  state.counters["other_share"] = disturbance.other_share();
  state.counters["steal_share"] = disturbance.steal_share();
}

// Renders `scene` by `plan` for each iteration of `state`, passing each render to `record`;
// the totals, or nullopt when a render failed (the benchmark is then skipped with its error).
// One meter spans the renders: reading /proc/stat between them would add to their time.
template <class Record>
std::optional<Totals> run_renders(benchmark::State& state, const pygmy::Scene& scene,
                                  const schedulers::RenderPlan& plan, Record record) {
  Totals totals;
  const DisturbanceMeter meter;
  for (auto _ : state) {
    try {
      const Measurement render = measure(scene, plan);
      record(render);
      totals.add(render);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return std::nullopt;
    }
  }
  totals.disturbance = meter.stop();
  state.SetItemsProcessed(state.iterations() * scene.width * scene.height);
  return totals;
}

// The counters of every render benchmark, each per render: cpu_s (CPU seconds, the workers'
// included), faults_per_band (minor page faults), forks, bands, and the disturbance.
void count_renders(benchmark::State& state, const Totals& totals) {
  const auto renders = static_cast<double>(state.iterations());
  const auto bands = static_cast<double>(std::max<std::size_t>(totals.bands, 1));
  state.counters["cpu_s"] = totals.usage.cpu_seconds / renders;
  state.counters["faults_per_band"] =
      static_cast<double>(totals.usage.minor_faults) / renders / bands;
  state.counters["forks"] = totals.forks / renders;
  state.counters["bands"] = static_cast<double>(totals.bands);
  count_disturbance(state, totals.disturbance);
}

// Every scheduler this process can render with (not mpi, whose ranks mpirun starts), the
// sequential render among them: those of this build, whatever they are.
std::vector<const schedulers::Scheduler*> local_schedulers() {
  std::vector<const schedulers::Scheduler*> found;
  for (const schedulers::Scheduler& scheduler : schedulers::all_schedulers()) {
    if (scheduler.renders_here()) found.push_back(&scheduler);
  }
  return found;
}

// BM_Sweep/<W>x<H>/<scheduler>/j:<processes>, for every scheduler that renders here, with the
// counters of count_renders() and band_overhead_ms (CPU per band above the sequential render's,
// spread over this render's bands), speedup (over the sequential render of the same size) and
// x_threads (seconds over threads' at the same size and process count).
void register_sweep(Baselines& baselines) {
  const unsigned cpus = pprocess::available_cpus();
  for (const auto& [width, height] :
       {std::pair{300, 200}, std::pair{1500, 1000}, std::pair{3000, 2000}, std::pair{6000, 4000}}) {
    const pygmy::Scene scene = pygmy::with_size(pygmy::builtin_scene(), width, height);
    const std::string size = std::to_string(width) + "x" + std::to_string(height);
    for (const schedulers::Scheduler* each : local_schedulers()) {
      const std::string scheduler(each->name);
      const bool alone = each->workers == schedulers::Workers::none;
      for (unsigned processes = 1; processes <= (alone ? 1 : cpus); ++processes) {
        const std::string sequential = "sweep/" + size + "/sequential";
        const std::string threads = "sweep/" + size + "/threads/j:" + std::to_string(processes);
        const std::string own =
            "sweep/" + size + "/" + scheduler + "/j:" + std::to_string(processes);
        const std::string title =
            "BM_Sweep/" + size + "/" + scheduler + "/j:" + std::to_string(processes);
        benchmark::RegisterBenchmark(
            title.c_str(),
            [=, &baselines](benchmark::State& state) {
              const schedulers::RenderPlan plan = plan_of(scheduler, processes);
              const std::optional<Totals> totals =
                  run_renders(state, scene, plan, [&](const Measurement& render) {
                    if (own == sequential || own == threads) baselines.record(own, render);
                  });
              if (!totals || state.iterations() == 0) return;
              count_renders(state, *totals);
              const auto renders = static_cast<double>(state.iterations());
              const double seconds = totals->seconds / renders;
              const Baseline alone_render =
                  baselines.of(sequential, scene, plan_of("sequential", 1));
              const Baseline with_threads =
                  baselines.of(threads, scene, plan_of("threads", processes));
              state.counters["band_overhead_ms"] = pygmy::measure::cpu_per_band_above_ms(
                  totals->usage.cpu_seconds / renders, alone_render.cpu_seconds, totals->bands);
              state.counters["speedup"] = pygmy::measure::speedup(alone_render.seconds, seconds);
              state.counters["x_threads"] = seconds / with_threads.seconds;
            })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
}

// The band sizes worth comparing: one row, a few rows, 16, 64, one band per process, and the
// scheduler's default (nullopt).
std::vector<std::optional<int>> band_rows_for(const pygmy::Scene& scene, unsigned processes) {
  std::vector<int> rows{
      1, 4, 16, 64,
      static_cast<int>((static_cast<unsigned>(scene.height) + processes - 1) / processes)};
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  std::vector<std::optional<int>> all(rows.begin(), rows.end());
  all.emplace_back(std::nullopt);
  return all;
}

// BM_Render/<scene>/<scheduler>/j:<processes>/rows:<band rows, or auto for the default>, for
// every scheduler that renders here, with the counters of count_renders() and speedup (over the
// sequential render of the scene).
void register_scene(const std::string& name, const pygmy::Scene& scene, Baselines& baselines) {
  const unsigned cpus = pprocess::available_cpus();
  const std::string sequential = "render/" + name + "/sequential";
  for (const schedulers::Scheduler* scheduler : local_schedulers()) {
    const bool alone = scheduler->workers == schedulers::Workers::none;
    for (unsigned processes = 1; processes <= (alone ? 1 : cpus); ++processes) {
      const std::vector<std::optional<int>> all_rows = band_rows_for(scene, processes);
      for (const std::optional<int> rows :
           alone ? std::vector<std::optional<int>>{std::nullopt} : all_rows) {
        const schedulers::RenderPlan plan = plan_of(scheduler->name, processes, rows);
        const std::string title = "BM_Render/" + name + "/" + std::string(scheduler->name) +
                                  "/j:" + std::to_string(processes) +
                                  "/rows:" + (rows ? std::to_string(*rows) : "auto");
        benchmark::RegisterBenchmark(
            title.c_str(),
            [=, &baselines](benchmark::State& state) {
              const std::optional<Totals> totals =
                  run_renders(state, scene, plan, [&](const Measurement& render) {
                    if (alone) baselines.record(sequential, render);
                  });
              if (!totals || state.iterations() == 0) return;
              count_renders(state, *totals);
              const auto renders = static_cast<double>(state.iterations());
              const Baseline baseline = baselines.of(sequential, scene, plan_of("sequential", 1));
              state.counters["speedup"] =
                  pygmy::measure::speedup(baseline.seconds, totals->seconds / renders);
            })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
}

// BM_Capacity/j:<processes>: pygmy::measure's calibration loop (compute-bound, no memory
// traffic, nothing shared) on as many threads, the same work at every count, so that its median
// time on 1 over its median on N is the machine's capacity at N: what N CPUs gave a loop that
// cannot be slowed by anything but the machine. Counters: units (the work) and the disturbance.
void register_capacity() {
  const unsigned cpus = pprocess::available_cpus();
  // About a tenth of a second on one thread; Google Benchmark repeats it for its minimum time.
  const std::uint64_t work = pygmy::measure::calibration_work(0.1);
  for (unsigned processes = 1; processes <= cpus; ++processes) {
    const std::string title = "BM_Capacity/j:" + std::to_string(processes);
    benchmark::RegisterBenchmark(
        title.c_str(),
        [=](benchmark::State& state) {
          const DisturbanceMeter meter;
          for (auto _ : state) {
            benchmark::DoNotOptimize(pygmy::measure::calibration_seconds(processes, work));
          }
          count_disturbance(state, meter.stop());
          state.counters["units"] = static_cast<double>(work);
        })
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  // For the report, which may run elsewhere: the CPUs that measured (the ideal speedup stops
  // there) and the machine, in the JSON's context.
  benchmark::AddCustomContext("available_cpus", std::to_string(pprocess::available_cpus()));
  benchmark::AddCustomContext("machine", pygmy::measure::machine_description());
  Baselines baselines;
  register_capacity();
  register_sweep(baselines);
  try {
    register_scene("showcase", pygmy::load_scene(PYGMY_SCENES_DIR "/showcase.json"), baselines);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "showcase scene left out: %s\n", e.what());
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
