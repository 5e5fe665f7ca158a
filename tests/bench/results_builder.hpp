// Google Benchmark JSON written by hand for the report's tests: repetitions with their index,
// time and counters, as --benchmark_out writes them.
#pragma once

#include <string>
#include <vector>

namespace pygmy::bench {

// A JSON document of `entries` (made by repetition()) and a context of `context` (JSON members).
//   std::string text = document({repetition("BM_Capacity/j:1", 0, 100)});
inline std::string document(const std::vector<std::string>& entries,
                            const std::string& context = R"("date": "2026-12-08")") {
  std::string text = R"({"context": {)" + context + R"(}, "benchmarks": [)";
  for (std::size_t i = 0; i < entries.size(); ++i) text += (i ? ", " : "") + entries[i];
  return text + "]}";
}

// One repetition of the benchmark `name` (without Google Benchmark's /real_time suffix, which
// is added), taking `ms` milliseconds, with `counters` (JSON members, e.g. R"("bands": 8)").
inline std::string repetition(const std::string& name, int index, double ms,
                              const std::string& counters = "") {
  const std::string run = name + "/real_time";
  return R"({"name": ")" + run + R"(", "run_name": ")" + run +
         R"(", "run_type": "iteration", "repetitions": 3, "repetition_index": )" +
         std::to_string(index) + R"(, "threads": 1, "iterations": 1, "real_time": )" +
         std::to_string(ms) + R"(, "cpu_time": 1, "time_unit": "ms")" +
         (counters.empty() ? "" : ", " + counters) + "}";
}

// Three repetitions of `name`, taking `ms` each.
inline std::vector<std::string> three(const std::string& name, double ms,
                                      const std::string& counters = "") {
  return {repetition(name, 0, ms, counters), repetition(name, 1, ms, counters),
          repetition(name, 2, ms, counters)};
}

// `all` and `more` together.
inline std::vector<std::string> operator+(std::vector<std::string> all,
                                          const std::vector<std::string>& more) {
  all.insert(all.end(), more.begin(), more.end());
  return all;
}

}  // namespace pygmy::bench
