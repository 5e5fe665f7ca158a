// Google Benchmark's JSON as the report reads it: every repetition of every benchmark, by name,
// with its counters, and the run's context.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pygmy::bench {

// One repetition of a benchmark: the `index`-th time Google Benchmark ran it (counted from 0 in
// the order they ran, whether or not other benchmarks' repetitions were interleaved between).
//   double cpu = repetition.counter("cpu_s");
struct Repetition {
  unsigned index = 0;
  double seconds = 0;                                     // wall-clock time per iteration
  double iterations = 1;                                  // how many times the benchmark's loop ran
  std::map<std::string, double, std::less<>> counters{};  // the user counters, as the JSON has them

  // The counter `name`, or `otherwise` when this repetition has none.
  [[nodiscard]] double counter(std::string_view name, double otherwise = 0) const;
};

// What a Google Benchmark JSON file holds: its context (each value as text) and the repetitions
// of every benchmark that ran without an error, by run name ("BM_Capacity/j:2/real_time"),
// ordered by their index.
struct BenchmarkResults {
  std::map<std::string, std::string, std::less<>> context{};
  std::map<std::string, std::vector<Repetition>, std::less<>> benchmarks{};
  unsigned repetitions = 0;  // the most repetitions Google Benchmark ran of any benchmark
  // Benchmarks of which the JSON has only the aggregates: their median is their one repetition.
  unsigned medians_only = 0;

  // The context's `key`, or `otherwise` when it has none.
  [[nodiscard]] std::string context_value(std::string_view key,
                                          const std::string& otherwise = "") const;
};

// Reads the JSON text that --benchmark_out writes: every repetition ("run_type": "iteration").
// A benchmark written with its aggregates only (--benchmark_report_aggregates_only) counts its
// median as its one repetition. NaN and infinities (which Google Benchmark writes where a
// counter's spread is undefined, and JSON lacks) are read as null. std::runtime_error when the
// text is not such a document.
//   BenchmarkResults results = parse_results(R"({"context": {}, "benchmarks": []})");
[[nodiscard]] BenchmarkResults parse_results(const std::string& text);

// parse_results() of the file `file`; std::runtime_error naming it when it cannot be read.
[[nodiscard]] BenchmarkResults read_results(const std::string& file);

// The median seconds of the repetitions of the first benchmark (in name order) whose name starts
// with `prefix`; nullopt when there is none.
//   std::optional<double> fork = median_seconds(results, "BM_ForkReap");
[[nodiscard]] std::optional<double> median_seconds(const BenchmarkResults& results,
                                                   std::string_view prefix);

}  // namespace pygmy::bench
