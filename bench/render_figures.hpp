// What render_bench measured, as `pygmy speedup` figures it: each image's repetitions paired into
// rounds by their index, medians with 95% bootstrap intervals, the machine's capacity, and how
// many repetitions other work disturbed; and the report's tables and chart made of them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "benchmark_results.hpp"
#include "pygmy/measure/speedup.hpp"
#include "pygmy/measure/speedup_chart.hpp"
#include "pygmy/measure/statistics.hpp"

namespace pygmy::bench {

// The renders of one image by every scheduler measured, and how they compare with its sequential
// render. A repetition's index is its round: the k-th repetition of every benchmark is paired
// with the k-th of the sequential render's and of the calibration's (with the repetitions of
// all benchmarks interleaved at random, the k-th of each ran in about the same stretch of the
// run), so that a speedup's interval sees the pairing, as in `pygmy speedup`.
struct Panel {
  std::string title{};  // "1500x1000" for a size of the sweep, the scene's name for a scene
  int width = 0;        // the sweep's image; 0 for a scene
  int height = 0;
  measure::SpeedupRuns measured{};  // every repetition, and the calibration's
  // measure::summarise() of them: sequential first, then by scheduler (in the order of
  // all_schedulers()) and processes; capacity where BM_Capacity ran at 1 and at the row's count.
  std::vector<measure::SpeedupRow> rows{};
  unsigned disturbed = 0;  // repetitions of its renders that other work disturbed
  unsigned watched = 0;    // repetitions of its renders whose disturbance was measured
};

// One band size of a scheduler on a scene (BM_Render with its rows given, or its default).
struct BandRun {
  std::string scene{};
  std::string scheduler{};
  unsigned processes = 1;
  std::optional<int> band_rows{};  // nullopt: the scheduler's default
  std::size_t bands = 0;
  double seconds = 0;  // median
  measure::Interval seconds_interval{};
  double speedup = 0;  // over the scene's sequential render; 0 when it was not measured
  measure::Interval speedup_interval{};
};

// Everything render_bench's JSON says.
struct RenderFigures {
  std::vector<Panel> sweep{};    // BM_Sweep, a panel per size, by width
  std::vector<Panel> scenes{};   // BM_Render at each scheduler's default band rows, by scene
  std::vector<BandRun> bands{};  // BM_Render, every band size
  std::vector<measure::CalibrationRun> calibrations{};  // BM_Capacity
  unsigned disturbed = 0;  // repetitions (renders and calibrations) other work disturbed
  unsigned watched = 0;    // repetitions whose disturbance was measured
  double other_share = 0;  // other work while they ran, in CPUs, on average over their time
  unsigned cpus = 0;       // available CPUs where it ran (0: not known)
  std::string machine{};   // where it ran, in words; empty when the JSON does not say
};

// The figures of render_bench's results. A panel without a sequential render has nothing to
// compare with and is left out.
//   RenderFigures figures = render_figures(read_results("docs/bench/render.json"));
[[nodiscard]] RenderFigures render_figures(const BenchmarkResults& results);

// The row of `scheduler` with `processes` in `panel`; nullptr when it was not measured.
[[nodiscard]] const measure::SpeedupRow* find_row(const Panel& panel, std::string_view scheduler,
                                                  unsigned processes);

// One configuration's median time over another's, with its 95% interval.
struct TimeRatio {
  double value = 0;
  measure::Interval interval{};
};

// The median time of `a` over `b`'s in `panel` (above 1: `a` is slower), over the rounds both
// measured, paired by round; nullopt when they share none.
//   std::optional<TimeRatio> r = time_ratio(panel, {"pool", 2}, {"threads", 2});
[[nodiscard]] std::optional<TimeRatio> time_ratio(const Panel& panel,
                                                  const measure::Configuration& a,
                                                  const measure::Configuration& b);

// "1.66× (1.58–1.72)": a value followed by `unit`, and its interval, with `digits` decimals;
// the value alone when the interval is a point (a single repetition).
//   std::string s = with_interval(1.66, {1.58, 1.72}, 2, "×");
[[nodiscard]] std::string with_interval(double value, const measure::Interval& interval,
                                        int digits = 2, const std::string& unit = "");

// `value` with `digits` decimals.
[[nodiscard]] std::string fixed(double value, int digits);

// The sweep's table: a row per size, scheduler and processes, with speedup, capacity and the
// share of it reached (95% intervals), time over threads', CPU, CPU and faults per band, forks.
[[nodiscard]] std::string sweep_table(const std::vector<Panel>& sweep);

// A scene's table: a row per scheduler and processes, with speedup, efficiency, capacity, the
// share of it reached (95% intervals), Karp–Flatt serial fraction, forks and bands.
[[nodiscard]] std::string scene_table(const Panel& scene);

// The band sizes of `scheduler` at `processes` on `scene` against each other; empty when fewer
// than two were measured.
[[nodiscard]] std::string band_table(const std::vector<BandRun>& bands, std::string_view scene,
                                     std::string_view scheduler, unsigned processes);

// "3 of 24 repetitions disturbed (other work above 0.10 of a CPU, or steal)"; empty when no
// disturbance was measured.
[[nodiscard]] std::string disturbance_note(unsigned disturbed, unsigned watched);

// The sweep's chart: a panel per size, a line per scheduler with its intervals, the capacity
// line, the ideal line up to `cpus` (none when 0).
[[nodiscard]] measure::SpeedupChart sweep_chart(const std::vector<Panel>& sweep,
                                                const std::string& caption, unsigned cpus);

}  // namespace pygmy::bench
