// `pygmy speedup`: renders a scene with each scheduler at each process count, round after round,
// interleaved, beside a compute-bound loop that shows what the machine can give, and shows the
// speedup over the sequential render with its intervals as a table, JSON and a chart.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace pygmy::app {

// What `pygmy speedup` was asked to do.
struct SpeedupOptions {
  std::string scene_file;        // empty: the built-in PyGmy scene
  std::string size;              // "WxH"; empty: the scene's own
  std::string jobs;              // process counts, "1,2,4"; empty: 1 to available_cpus()
  std::string schedulers;        // empty: pool, exchange, threads, and openmp and tbb when built
  unsigned repeat = 3;           // rounds at least (each renders every configuration once)
  double precision = 3;          // per cent: go on until every speedup is known within ±this
  double max_time = 90;          // seconds: no round starts that would end past this
  std::optional<int> band_rows;  // unset: each scheduler's default
  std::string svg;               // the chart to write; empty: none
  std::string json;              // every run and the medians; empty: none
  std::string label;             // a line for the caption, the commit say
  bool quiet = false;
};

// Adds the `speedup` subcommand to `app`, its options read into `options`.
//   SpeedupOptions options;
//   CLI::App* speedup = add_speedup_command(app, options);
//   app.parse(argc, argv);
//   if (speedup->parsed()) return run_speedup(options);
CLI::App* add_speedup_command(CLI::App& app, SpeedupOptions& options);

// Measures as `options` say, prints the table and writes the files; the exit status. Throws
// UsageError for a bad SOURCE_DATE_EPOCH, std::exception for a render or file error.
int run_speedup(const SpeedupOptions& options);

}  // namespace pygmy::app
