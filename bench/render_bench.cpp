// Rendering speed: every scheduler × processes × band rows, on the built-in and showcase scenes,
// with pixels/s and the speedup against the sequential render measured in the same run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "pprocess/cores.hpp"
#include "pygmy/scene.hpp"
#include "pygmy/scene_file.hpp"
#include "pygmy/schedulers.hpp"

namespace {

namespace schedulers = pygmy::schedulers;
using clock_type = std::chrono::steady_clock;

/// Seconds of one render of `scene` by `plan`.
double time_render(const pygmy::Scene& scene, const schedulers::RenderPlan& plan) {
  const auto began = clock_type::now();
  benchmark::DoNotOptimize(schedulers::render(scene, plan));
  return std::chrono::duration<double>(clock_type::now() - began).count();
}

/// The sequential render of each scene: the median of its own benchmark's times so far, so
/// every benchmark's speedup is measured against the same run's baseline. Before that benchmark
/// has run (it may be filtered out, or come later when repetitions are interleaved), one
/// sequential render is timed and counted among them.
class Baselines {
 public:
  void record(const std::string& name, double seconds) { runs_[name].push_back(seconds); }

  double seconds(const std::string& name, const pygmy::Scene& scene) {
    std::vector<double>& runs = runs_[name];
    if (runs.empty()) {
      schedulers::RenderPlan plan;
      plan.scheduler = "sequential";
      runs.push_back(time_render(scene, plan));
    }
    std::vector<double> sorted = runs;
    std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
    return sorted[sorted.size() / 2];
  }

 private:
  std::map<std::string, std::vector<double>> runs_;
};

/// The band sizes worth comparing: one row, a few rows, the default, a middle value, and one
/// band per process.
std::vector<int> band_rows_for(const pygmy::Scene& scene, unsigned processes) {
  std::vector<int> rows{
      1, 4, 16, 64,
      static_cast<int>((static_cast<unsigned>(scene.height) + processes - 1) / processes)};
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

void register_scene(const std::string& name, const pygmy::Scene& scene, Baselines& baselines) {
  const unsigned most = pprocess::available_cpus() + 1;
  for (const schedulers::Scheduler& scheduler : schedulers::all_schedulers()) {
    const bool sequential = scheduler.workers == schedulers::Workers::none;
    for (unsigned processes = 1; processes <= (sequential ? 1 : most); ++processes) {
      const std::vector<int> all_rows = band_rows_for(scene, processes);
      for (int rows : sequential ? std::vector<int>{16} : all_rows) {
        schedulers::RenderPlan plan;
        plan.scheduler = scheduler.name;
        plan.processes = processes;
        plan.band_rows = rows;
        const std::string title = "BM_Render/" + name + "/" + std::string(scheduler.name) +
                                  "/j:" + std::to_string(processes) +
                                  "/rows:" + std::to_string(rows);
        benchmark::RegisterBenchmark(
            title.c_str(),
            [name, scene, plan, sequential, &baselines](benchmark::State& state) {
              double seconds = 0;
              for (auto _ : state) {
                try {
                  const double once = time_render(scene, plan);
                  if (sequential) baselines.record(name, once);
                  seconds += once;
                } catch (const std::exception& e) {
                  state.SkipWithError(e.what());
                  break;
                }
              }
              const auto iterations = static_cast<double>(state.iterations());
              const double baseline =
                  sequential ? seconds / std::max(iterations, 1.0) : baselines.seconds(name, scene);
              state.SetItemsProcessed(state.iterations() * scene.width * scene.height);
              state.counters["speedup"] = iterations > 0 ? baseline * iterations / seconds : 0;
            })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  Baselines baselines;
  register_scene("builtin", pygmy::builtin_scene(), baselines);
  try {
    register_scene("showcase", pygmy::load_scene(PYGMY_SCENES_DIR "/showcase.json"), baselines);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "showcase scene left out: %s\n", e.what());
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
