// The figures of `pygmy speedup`: which configurations it measures and in which order, the
// medians of their runs, and the table, JSON and chart made of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pygmy/measure/disturbance.hpp"
#include "pygmy/measure/speedup_chart.hpp"
#include "pygmy/measure/statistics.hpp"

namespace pygmy::measure {

// A scheduler at a process count: one row of the speedup table.
struct Configuration {
  std::string scheduler{};
  unsigned processes = 1;

  friend bool operator==(const Configuration&, const Configuration&) = default;
};

// What one render cost.
struct SpeedupRun {
  Configuration configuration{};
  unsigned repetition = 0;  // 0, 1, ...: the round of runs it belongs to
  std::size_t order = 0;    // its place among all the runs and calibrations, from 0
  double seconds = 0;       // wall clock
  double cpu_seconds = 0;   // user + system, of this process and its workers
  long minor_faults = 0;    // of this process and its workers
  std::size_t forks = 0;
  std::size_t bands = 0;
  int band_rows = 0;
  std::size_t workers = 0;  // the workers that rendered a band
  // The tracer's segments and their segment–object intersection tests, every worker's; 0 where
  // not counted.
  std::uint64_t segments = 0;
  std::uint64_t segment_tests = 0;
  Disturbance disturbance{};  // what else ran meanwhile
};

// One timing of the calibration loop (capacity.hpp) with `processes` threads.
struct CalibrationRun {
  unsigned processes = 1;
  unsigned repetition = 0;  // its round
  double seconds = 0;
  std::size_t order = 0;  // its place among all the runs and calibrations, from 0
  Disturbance disturbance{};
};

// What a speedup measurement took: every render and every calibration, round by round.
struct SpeedupRuns {
  std::vector<SpeedupRun> runs{};
  std::vector<CalibrationRun> calibrations{};
  double seconds = 0;  // from the first round's start to the last one's end
};

// The medians of one configuration's runs, and how they compare with the sequential render's.
struct SpeedupRow {
  Configuration configuration{};
  std::size_t runs = 0;
  double seconds = 0;       // median
  double speedup = 0;       // the sequential median's seconds over `seconds`
  double efficiency = 0;    // speedup per process
  double cpu_seconds = 0;   // median
  double minor_faults = 0;  // median
  double forks = 0;         // median
  std::size_t bands = 0;
  Interval seconds_interval{};  // 95%, of the median
  Interval speedup_interval{};  // 95%, the rounds drawn in pairs with the sequential render's
  // What the calibration loop gained with as many processes, when it was measured: the ceiling
  // this machine offered; `of_capacity` is speedup / capacity.
  std::optional<double> capacity{};
  Interval capacity_interval{};
  std::optional<double> of_capacity{};
  Interval of_capacity_interval{};
};

// What was measured, and where: the lines above the table, the JSON's header, the chart's
// caption.
struct SpeedupContext {
  std::string scene{};
  int width = 0;
  int height = 0;
  unsigned repeat = 1;
  std::optional<int> band_rows{};  // unset: each scheduler's default
  std::string size_note{};         // how the size was chosen, when the command chose it
  unsigned rounds = 0;             // rounds measured (`repeat` of them give the figures)
  unsigned disturbed = 0;          // rounds in which other work took more than disturbed_share
  double disturbed_share = kDisturbedShare;
  double other_share = 0;  // other work in the rounds measured, in CPUs, on average
  double precision = 0;    // the intervals' half-width asked for (0.03: ±3%); 0: none
  unsigned cpus = 0;       // available CPUs; 0 when not known
  std::string machine{};   // machine_description()
  std::string date{};      // UTC, ISO 8601
  std::string commit{};    // the commit the command was built from; may be empty
  std::string label{};     // --label: anything else worth saying; may be empty
};

// Process counts from a list such as "1,2,4": each from 1 to 4096, sorted, repeats dropped.
// std::invalid_argument saying what is wrong with `text`.
//   std::vector<unsigned> counts = parse_process_list("4,1,2");  // {1, 2, 4}
[[nodiscard]] std::vector<unsigned> parse_process_list(const std::string& text);

// Scheduler names from a list such as "pool,exchange", in the order given, repeats dropped; each
// must be one of `known`. std::invalid_argument naming an unknown one, with the `known` ones.
//   std::vector<std::string> names = parse_scheduler_list("pool,threads", {"pool", "threads"});
[[nodiscard]] std::vector<std::string> parse_scheduler_list(const std::string& text,
                                                            const std::vector<std::string>& known);

// What `pygmy speedup` measures: the sequential render (once, with 1 process), then each of
// `schedulers` other than sequential with each of `processes`.
//   configurations({"pool"}, {1, 2});  // sequential 1, pool 1, pool 2
[[nodiscard]] std::vector<Configuration> configurations(const std::vector<std::string>& schedulers,
                                                        const std::vector<unsigned>& processes);

// The order in which round `repetition` runs `count` configurations: each once, shuffled by a
// generator keyed by the round, so a slow minute of a busy machine falls on different
// configurations each round instead of on the same ones.
//   for (std::size_t i : run_order(configs.size(), 0)) measure(configs[i]);
[[nodiscard]] std::vector<std::size_t> run_order(std::size_t count, unsigned repetition);

// A row of medians for each configuration with runs, in the order of `configurations`; speedup
// against the sequential configuration's median, with 95% bootstrap intervals (rounds drawn
// whole, so each speedup keeps its pairing with the sequential render of the same round); and
// the capacity at each row's processes when `calibrations` has that count and 1. Only the runs
// of `rounds` count (all when empty). std::invalid_argument without a sequential run.
//   std::vector<SpeedupRow> rows = summarise(configurations({"pool"}, {1, 2}), runs);
[[nodiscard]] std::vector<SpeedupRow> summarise(
    const std::vector<Configuration>& configurations, const std::vector<SpeedupRun>& runs,
    const std::vector<CalibrationRun>& calibrations = {}, const std::vector<unsigned>& rounds = {});

// What else ran during each round: the disturbance of its runs and calibrations added up,
// indexed by round.
[[nodiscard]] std::vector<Disturbance> round_disturbance(const SpeedupRuns& measured);

// The rounds whose figures count: those other work disturbed less than `share` of a CPU, when at
// least three (or every round, if fewer were measured) were so quiet; else every round.
//   std::vector<unsigned> rounds = rounds_to_use(round_disturbance(measured));
[[nodiscard]] std::vector<unsigned> rounds_to_use(const std::vector<Disturbance>& rounds,
                                                  double share = kDisturbedShare);

// The widest relative half-width of the speedup intervals of `rows` (sequential aside): 0.03
// when every speedup is known within ±3%.
[[nodiscard]] double widest_interval(const std::vector<SpeedupRow>& rows);

// The fewest rounds whose intervals count as precise: a bootstrap of fewer says too little.
inline constexpr std::size_t kLeastRounds = 5;

// How long to go on measuring: at least `min_rounds` rounds, then until every speedup's interval
// is within ±`precision` (over kLeastRounds rounds or more) or the next round would end past
// `max_seconds`.
struct SpeedupSettings {
  unsigned min_rounds = 3;
  double precision = 0.03;
  double max_seconds = 90;
  double disturbed_share = kDisturbedShare;
  unsigned most_rounds = 1000;
};

// Measures: round after round, renders each configuration once (`render`) and times the
// calibration loop at each of `calibration_processes` (`calibrate`, its seconds), in an order
// shuffled by the round (run_order), each with its disturbance; stops as `settings` say.
// `on_round` is told of each round ended (its number from 1, the seconds so far).
//   SpeedupRuns measured = measure_rounds(configs, {1, 2}, settings, render, calibrate, {});
[[nodiscard]] SpeedupRuns measure_rounds(
    const std::vector<Configuration>& configurations,
    const std::vector<unsigned>& calibration_processes, const SpeedupSettings& settings,
    const std::function<SpeedupRun(const Configuration&)>& render,
    const std::function<double(unsigned processes)>& calibrate,
    const std::function<void(unsigned rounds, double seconds)>& on_round);

// A size for a render of a scene `width` × `height` taking at least `target_seconds` sequentially:
// the scene's own when it does, else the same proportions scaled up from `probe_seconds`, the
// time a sequential render at `probe_width` × `probe_height` took; at most `most_side` a side.
//   auto [w, h] = size_for(0.5, 300, 200, 0.02, 300, 200, 65536);  // 1500x1000
[[nodiscard]] std::pair<int, int> size_for(double target_seconds, int width, int height,
                                           double probe_seconds, int probe_width, int probe_height,
                                           int most_side);

// The table `pygmy speedup` prints: two lines saying what and where, then a row each.
//   std::fputs(speedup_table(context, rows).c_str(), stdout);
[[nodiscard]] std::string speedup_table(const SpeedupContext& context,
                                        const std::vector<SpeedupRow>& rows);

// Every run, calibration and round (with its disturbance) and the medians, as a JSON document.
//   std::ofstream("speedup.json") << speedup_json(context, measured, rows);
[[nodiscard]] std::string speedup_json(const SpeedupContext& context, const SpeedupRuns& measured,
                                       const std::vector<SpeedupRow>& rows);

// What stderr should say of a measurement that the machine disturbed or that did not reach its
// precision, in plain words ("the machine was busy: 7 of 9 rounds disturbed; ..."); empty when
// there is nothing to say.
[[nodiscard]] std::string speedup_warning(const SpeedupContext& context,
                                          const std::vector<SpeedupRow>& rows);

// The chart of the rows: a line per scheduler (sequential is the ideal line's start) with its
// intervals, the capacity line when measured, the context (and the disturbed rounds) in the
// caption.
//   std::ofstream("speedup.svg") << speedup_svg(speedup_chart(context, rows));
[[nodiscard]] SpeedupChart speedup_chart(const SpeedupContext& context,
                                         const std::vector<SpeedupRow>& rows);

// `when` as UTC in ISO 8601.
//   std::string date = utc_date(0);  // "1970-01-01T00:00:00Z"
[[nodiscard]] std::string utc_date(std::time_t when);

}  // namespace pygmy::measure
