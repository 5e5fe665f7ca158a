// The goals the benchmark report answers (those of issues 16 and 17, and the earlier ones the
// same run measures), each with what the run measured and a verdict, as a Markdown table.
#pragma once

#include <string>
#include <vector>

#include "benchmark_results.hpp"
#include "render_figures.hpp"

namespace pygmy::bench {

// One goal and where it stands.
//   Goal g{"16", "`pool` ≥ 0.95 of capacity", "0.97 (0.95–0.99)", "met"};
struct Goal {
  std::string issue{};     // "16", "17"; "earlier" for goals set before them
  std::string text{};      // what is asked (Markdown)
  std::string measured{};  // the figures behind the verdict (Markdown); "–" when none
  std::string verdict{};   // "met", "missed by …", or "not measured: …" (a scheduler absent)
};

// The goals measured by render_bench, from its figures: pool's share of the capacity on the
// showcase at -j 2 (16) and at -j N, also on the built-in scene at 1500x1000 and above (17); pool
// against openmp and tbb at every size (16) and on the showcase (17); exchange against pool
// (17); and the earlier speedup goals. N is the most CPUs of the run.
//   std::vector<Goal> goals = render_goals(render_figures(results));
[[nodiscard]] std::vector<Goal> render_goals(const RenderFigures& figures);

// The goals measured by machinery_bench: round trip and throughput against a bare socketpair,
// per-task cost against Python's multiprocessing.Pool.
[[nodiscard]] std::vector<Goal> machinery_goals(const BenchmarkResults& machinery);

// `goals` as a Markdown table: goal, issue, measured, verdict.
[[nodiscard]] std::string goals_table(const std::vector<Goal>& goals);

}  // namespace pygmy::bench
