// The figures of `pygmy speedup`: which configurations it measures and in which order, the
// medians of their runs, and the table, JSON and chart made of them.
#pragma once

#include <cstddef>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "pygmy/measure/speedup_chart.hpp"

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
  std::size_t order = 0;    // its place among all the runs, from 0
  double seconds = 0;       // wall clock
  double cpu_seconds = 0;   // user + system, of this process and its workers
  long minor_faults = 0;    // of this process and its workers
  std::size_t forks = 0;
  std::size_t bands = 0;
  int band_rows = 0;
  std::size_t workers = 0;  // the workers that rendered a band
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
};

// What was measured, and where: the lines above the table, the JSON's header, the chart's
// caption.
struct SpeedupContext {
  std::string scene{};
  int width = 0;
  int height = 0;
  unsigned repeat = 1;
  std::optional<int> band_rows{};  // unset: each scheduler's default
  std::string machine{};           // machine_description()
  std::string date{};              // UTC, ISO 8601
  std::string commit{};            // the commit the command was built from; may be empty
  std::string label{};             // --label: anything else worth saying; may be empty
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
// against the sequential configuration's median. std::invalid_argument without a sequential
// run.
//   std::vector<SpeedupRow> rows = summarise(configurations({"pool"}, {1, 2}), runs);
[[nodiscard]] std::vector<SpeedupRow> summarise(const std::vector<Configuration>& configurations,
                                                const std::vector<SpeedupRun>& runs);

// The table `pygmy speedup` prints: two lines saying what and where, then a row each.
//   std::fputs(speedup_table(context, rows).c_str(), stdout);
[[nodiscard]] std::string speedup_table(const SpeedupContext& context,
                                        const std::vector<SpeedupRow>& rows);

// Every run and the medians, as a JSON document.
//   std::ofstream("speedup.json") << speedup_json(context, runs, rows);
[[nodiscard]] std::string speedup_json(const SpeedupContext& context,
                                       const std::vector<SpeedupRun>& runs,
                                       const std::vector<SpeedupRow>& rows);

// The chart of the rows: a line per scheduler (sequential is the ideal line's start), the
// context in the caption.
//   std::ofstream("speedup.svg") << speedup_svg(speedup_chart(context, rows));
[[nodiscard]] SpeedupChart speedup_chart(const SpeedupContext& context,
                                         const std::vector<SpeedupRow>& rows);

// `when` as UTC in ISO 8601.
//   std::string date = utc_date(0);  // "1970-01-01T00:00:00Z"
[[nodiscard]] std::string utc_date(std::time_t when);

}  // namespace pygmy::measure
