// The tracer on one core: segment tests per second by scene and kernel (BM_Trace), and what the
// cost estimate that plans bands takes beside a render (BM_EstimateRowCosts). Run it on a quiet
// machine, with repetitions: e.g.
//   build/release/bench/kernel_bench --benchmark_repetitions=5 --benchmark_min_time=1
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "pygmy/band_cost.hpp"
#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"
#include "pygmy/scene_file.hpp"

namespace {

// The scenes measured, at the sizes of issue 17's goals: the built-in scene at 1500x1000 and the
// showcase at its own 1920x1080.
pygmy::Scene scene_of(std::int64_t index) {
  if (index == 0) {
    return pygmy::with_size(pygmy::builtin_scene(), 1500, 1000);
  }
  return pygmy::load_scene(PYGMY_SCENES_DIR "/showcase.json");
}

constexpr std::array kKernels{pygmy::Kernel::scalar, pygmy::Kernel::avx2};

// Renders the whole image in this process with one kernel. Counters: segment tests, segments
// and pixels per CPU second, and the segment tests of one pixel on average.
void BM_Trace(benchmark::State& state) {
  const pygmy::Kernel kernel = kKernels.at(static_cast<std::size_t>(state.range(1)));
  if (!pygmy::kernel_supported(kernel)) {
    state.SkipWithError(
        (std::string("this CPU cannot run the ") + pygmy::kernel_name(kernel) + " kernel").c_str());
    return;
  }
  const pygmy::Scene scene = scene_of(state.range(0));
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(scene.width) * scene.height * 3);
  pygmy::RenderCounters total;
  for (auto _ : state) {
    total += pygmy::render_band_into(scene, 0, scene.height, pixels, kernel);
    benchmark::DoNotOptimize(pixels.data());
  }
  state.SetLabel(scene.name + " " + std::to_string(scene.width) + "x" +
                 std::to_string(scene.height) + " " + pygmy::kernel_name(kernel));
  state.counters["segment_tests"] =
      benchmark::Counter(static_cast<double>(total.segment_tests), benchmark::Counter::kIsRate);
  state.counters["segments"] =
      benchmark::Counter(static_cast<double>(total.segments), benchmark::Counter::kIsRate);
  state.counters["pixels"] =
      benchmark::Counter(static_cast<double>(total.pixels), benchmark::Counter::kIsRate);
  state.counters["tests_per_pixel"] =
      static_cast<double>(total.segment_tests) / static_cast<double>(total.pixels);
}
BENCHMARK(BM_Trace)
    ->ArgsProduct({{0, 1}, benchmark::CreateDenseRange(0, kKernels.size() - 1, 1)})
    ->ArgNames({"scene", "kernel"})
    ->Unit(benchmark::kMillisecond);

// estimate_row_costs() with its default step on the scenes of BM_Trace. Counters: the pixels it
// traced and their segment tests, as shares of a render of the whole image.
void BM_EstimateRowCosts(benchmark::State& state) {
  const pygmy::Scene scene = scene_of(state.range(0));
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(scene.width) * scene.height * 3);
  const pygmy::RenderCounters render =
      pygmy::render_band_into(scene, 0, scene.height, pixels, pygmy::best_kernel());
  pygmy::RenderCounters spent;
  for (auto _ : state) {
    pygmy::RowCostEstimate estimate = pygmy::estimate_row_costs(scene);
    benchmark::DoNotOptimize(estimate.rows.data());
    spent = estimate.spent;
  }
  state.SetLabel(scene.name + " " + std::to_string(scene.width) + "x" +
                 std::to_string(scene.height));
  state.counters["pixel_share"] =
      static_cast<double>(spent.pixels) / static_cast<double>(render.pixels);
  state.counters["test_share"] =
      static_cast<double>(spent.segment_tests) / static_cast<double>(render.segment_tests);
}
BENCHMARK(BM_EstimateRowCosts)->DenseRange(0, 1)->ArgName("scene")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
