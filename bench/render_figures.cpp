// What render_bench measured, as `pygmy speedup` figures it, and the report's tables and chart.
#include "render_figures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <regex>
#include <sstream>
#include <tuple>
#include <utility>

#include "pygmy/measure/disturbance.hpp"
#include "pygmy/measure/statistics.hpp"
#include "pygmy/schedulers.hpp"

namespace pygmy::bench {

namespace {

constexpr std::string_view kSequential = "sequential";

// Schedulers in the order of the tables: sequential, then as pygmy::schedulers lists them, then
// any this build does not know.
int order_of(std::string_view scheduler) {
  if (scheduler == kSequential) return -1;
  const auto all = schedulers::all_schedulers();
  return static_cast<int>(
      std::find_if(all.begin(), all.end(), [&](const auto& s) { return s.name == scheduler; }) -
      all.begin());
}

bool before(const measure::Configuration& a, const measure::Configuration& b) {
  return std::tuple(order_of(a.scheduler), a.scheduler, a.processes) <
         std::tuple(order_of(b.scheduler), b.scheduler, b.processes);
}

// Whether render_bench measured what else ran during `repetition` (older JSON has no counter).
bool watched(const Repetition& repetition) { return repetition.counters.contains("other_share"); }

// The disturbance of a repetition, from its counters (shares of a CPU) and its wall time.
measure::Disturbance disturbance_of(const Repetition& repetition) {
  const double wall = repetition.seconds * repetition.iterations;
  return {.wall_seconds = wall,
          .other_cpu_seconds = repetition.counter("other_share") * wall,
          .steal_seconds = repetition.counter("steal_share") * wall};
}

// A repetition of a render benchmark as one run of `pygmy speedup`: its counters are per render.
measure::SpeedupRun run_of(const measure::Configuration& configuration,
                           const Repetition& repetition) {
  const double bands = repetition.counter("bands");
  return {.configuration = configuration,
          .repetition = repetition.index,
          .seconds = repetition.seconds,
          .cpu_seconds = repetition.counter("cpu_s"),
          .minor_faults = std::lround(repetition.counter("faults_per_band") * std::max(bands, 1.0)),
          .forks = static_cast<std::size_t>(std::lround(repetition.counter("forks"))),
          .bands = static_cast<std::size_t>(std::lround(bands)),
          .disturbance = disturbance_of(repetition)};
}

// A panel being gathered: its runs so far and the configurations they belong to.
struct Gathering {
  Panel panel;
  std::vector<measure::Configuration> configurations;

  void add(const measure::Configuration& configuration,
           const std::vector<Repetition>& repetitions) {
    if (std::find(configurations.begin(), configurations.end(), configuration) ==
        configurations.end()) {
      configurations.push_back(configuration);
    }
    for (const Repetition& repetition : repetitions) {
      panel.measured.runs.push_back(run_of(configuration, repetition));
      if (watched(repetition)) {
        ++panel.watched;
        panel.disturbed += disturbance_of(repetition).disturbed() ? 1 : 0;
      }
    }
  }

  // The panel with its rows, or nullopt without a sequential render to compare with.
  std::optional<Panel> finish(const std::vector<measure::CalibrationRun>& calibrations) && {
    std::sort(configurations.begin(), configurations.end(), before);
    if (configurations.empty() || configurations.front().scheduler != kSequential) {
      return std::nullopt;
    }
    panel.measured.calibrations = calibrations;
    panel.rows = measure::summarise(configurations, panel.measured.runs, calibrations);
    return std::move(panel);
  }
};

std::vector<double> seconds_of(const std::vector<Repetition>& repetitions) {
  std::vector<double> seconds;
  for (const Repetition& repetition : repetitions) seconds.push_back(repetition.seconds);
  return seconds;
}

std::map<unsigned, double> by_round(const std::vector<Repetition>& repetitions) {
  std::map<unsigned, double> values;
  for (const Repetition& repetition : repetitions) values[repetition.index] = repetition.seconds;
  return values;
}

std::map<unsigned, double> by_round(const Panel& panel,
                                    const measure::Configuration& configuration) {
  std::map<unsigned, double> values;
  for (const measure::SpeedupRun& run : panel.measured.runs) {
    if (run.configuration == configuration) values[run.repetition] = run.seconds;
  }
  return values;
}

// The band runs of `found` (BM_Render repetitions by scene, scheduler, processes and rows), each
// against its scene's sequential render.
using RenderKey = std::tuple<std::string, std::string, unsigned, std::optional<int>>;

std::vector<BandRun> band_runs(const std::map<RenderKey, std::vector<Repetition>>& found) {
  std::vector<BandRun> runs;
  for (const auto& [key, repetitions] : found) {
    const auto& [scene, scheduler, processes, rows] = key;
    if (scheduler == kSequential) continue;
    const std::vector<double> seconds = seconds_of(repetitions);
    BandRun run{
        .scene = scene,
        .scheduler = scheduler,
        .processes = processes,
        .band_rows = rows,
        .bands = static_cast<std::size_t>(std::lround(repetitions.front().counter("bands"))),
        .seconds = measure::median(seconds),
        .seconds_interval = measure::median_interval(seconds)};
    const auto sequential = found.find(RenderKey{scene, std::string(kSequential), 1, std::nullopt});
    if (sequential != found.end()) {
      const auto [alone, own] =
          measure::paired(by_round(sequential->second), by_round(repetitions));
      if (!own.empty()) {
        run.speedup = measure::speedup(measure::median(alone), measure::median(own));
        run.speedup_interval = measure::ratio_interval(alone, own);
      }
    }
    runs.push_back(run);
  }
  return runs;
}

std::string interval_text(const measure::Interval& interval, int digits) {
  return fixed(interval.low, digits) + "–" + fixed(interval.high, digits);
}

}  // namespace

std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::string with_interval(double value, const measure::Interval& interval, int digits,
                          const std::string& unit) {
  std::string text = fixed(value, digits) + unit;
  if (interval.high > interval.low) text += " (" + interval_text(interval, digits) + ")";
  return text;
}

RenderFigures render_figures(const BenchmarkResults& results) {
  static const std::regex capacity(R"(BM_Capacity/j:(\d+)(/.*)?)");
  static const std::regex sweep(R"(BM_Sweep/(\d+)x(\d+)/(\w+)/j:(\d+)(/.*)?)");
  static const std::regex render(R"(BM_Render/(\w+)/(\w+)/j:(\d+)/rows:(\d+|auto)(/.*)?)");
  RenderFigures figures;
  figures.machine = results.context_value("machine");
  try {
    figures.cpus = static_cast<unsigned>(
        std::stoul(results.context_value("available_cpus", results.context_value("num_cpus"))));
  } catch (const std::exception&) {
    figures.cpus = 0;
  }

  std::map<std::pair<int, int>, Gathering> sizes;
  std::map<RenderKey, std::vector<Repetition>> renders;
  double wall = 0;
  double other = 0;
  for (const auto& [name, repetitions] : results.benchmarks) {
    std::smatch m;
    if (std::regex_match(name, m, capacity)) {
      for (const Repetition& repetition : repetitions) {
        figures.calibrations.push_back({.processes = static_cast<unsigned>(std::stoul(m[1])),
                                        .repetition = repetition.index,
                                        .seconds = repetition.seconds,
                                        .disturbance = disturbance_of(repetition)});
      }
    } else if (std::regex_match(name, m, sweep)) {
      Gathering& size = sizes[{std::stoi(m[1]), std::stoi(m[2])}];
      size.panel.title = std::string(m[1]) + "x" + std::string(m[2]);
      size.panel.width = std::stoi(m[1]);
      size.panel.height = std::stoi(m[2]);
      size.add({m[3], static_cast<unsigned>(std::stoul(m[4]))}, repetitions);
    } else if (std::regex_match(name, m, render)) {
      renders[{m[1], m[2], static_cast<unsigned>(std::stoul(m[3])),
               m[4] == "auto" ? std::nullopt : std::optional<int>(std::stoi(m[4]))}] = repetitions;
    } else {
      continue;
    }
    for (const Repetition& repetition : repetitions) {
      if (!watched(repetition)) continue;
      const measure::Disturbance disturbance = disturbance_of(repetition);
      ++figures.watched;
      figures.disturbed += disturbance.disturbed() ? 1 : 0;
      wall += disturbance.wall_seconds;
      other += disturbance.other_cpu_seconds;
    }
  }
  figures.other_share = wall > 0 ? other / wall : 0;

  for (auto& [size, gathering] : sizes) {
    if (auto panel = std::move(gathering).finish(figures.calibrations)) {
      figures.sweep.push_back(std::move(*panel));
    }
  }

  std::map<std::string, Gathering> scenes;
  for (const auto& [key, repetitions] : renders) {
    const auto& [scene, scheduler, processes, rows] = key;
    if (rows) continue;
    Gathering& gathering = scenes[scene];
    gathering.panel.title = scene;
    gathering.add({scheduler, processes}, repetitions);
  }
  for (auto& [scene, gathering] : scenes) {
    if (auto panel = std::move(gathering).finish(figures.calibrations)) {
      figures.scenes.push_back(std::move(*panel));
    }
  }
  figures.bands = band_runs(renders);
  return figures;
}

const measure::SpeedupRow* find_row(const Panel& panel, std::string_view scheduler,
                                    unsigned processes) {
  const auto found =
      std::find_if(panel.rows.begin(), panel.rows.end(), [&](const measure::SpeedupRow& row) {
        return row.configuration.scheduler == scheduler && row.configuration.processes == processes;
      });
  return found == panel.rows.end() ? nullptr : &*found;
}

std::optional<TimeRatio> time_ratio(const Panel& panel, const measure::Configuration& a,
                                    const measure::Configuration& b) {
  const auto [mine, theirs] = measure::paired(by_round(panel, a), by_round(panel, b));
  if (mine.empty()) return std::nullopt;
  return TimeRatio{measure::median(mine) / measure::median(theirs),
                   measure::ratio_interval(mine, theirs)};
}

std::string sweep_table(const std::vector<Panel>& sweep) {
  std::ostringstream out;
  out << "| size | scheduler | processes | median s | speedup (95%) | capacity | of capacity "
         "(95%) | × threads | CPU s | CPU per band above sequential (ms) | faults per band | "
         "forks |\n"
      << "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const Panel& panel : sweep) {
    const measure::SpeedupRow* sequential = find_row(panel, kSequential, 1);
    for (const measure::SpeedupRow& row : panel.rows) {
      const bool alone = &row == sequential;
      const measure::SpeedupRow* threads = find_row(panel, "threads", row.configuration.processes);
      out << "| " << panel.title << " | " << row.configuration.scheduler << " | "
          << row.configuration.processes << " | " << fixed(row.seconds, 3) << " | "
          << (alone ? fixed(row.speedup, 2) : with_interval(row.speedup, row.speedup_interval))
          << " | " << (row.capacity ? fixed(*row.capacity, 2) : "–") << " | "
          << (!row.of_capacity ? "–"
              : alone          ? fixed(*row.of_capacity, 2)
                               : with_interval(*row.of_capacity, row.of_capacity_interval))
          << " | " << (threads ? fixed(row.seconds / threads->seconds, 2) : "–") << " | "
          << fixed(row.cpu_seconds, 3) << " | "
          << (sequential ? fixed(measure::cpu_per_band_above_ms(row.cpu_seconds,
                                                                sequential->cpu_seconds, row.bands),
                                 2)
                         : "–")
          << " | "
          << fixed(row.minor_faults / static_cast<double>(std::max<std::size_t>(row.bands, 1)), 1)
          << " | " << fixed(row.forks, 0) << " |\n";
    }
  }
  return out.str();
}

std::string scene_table(const Panel& scene) {
  std::ostringstream out;
  out << "| scheduler | processes | median s | speedup (95%) | efficiency | capacity | of capacity "
         "(95%) | serial fraction (Karp–Flatt) | forks | bands |\n"
      << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const measure::SpeedupRow& row : scene.rows) {
    const bool alone = row.configuration.scheduler == kSequential;
    const double p = row.configuration.processes;
    out << "| " << row.configuration.scheduler << " | " << row.configuration.processes << " | "
        << fixed(row.seconds, 3) << " | "
        << (alone ? fixed(row.speedup, 2) : with_interval(row.speedup, row.speedup_interval))
        << " | " << fixed(row.efficiency, 2) << " | "
        << (row.capacity ? fixed(*row.capacity, 2) : "–") << " | "
        << (!row.of_capacity ? "–"
            : alone          ? fixed(*row.of_capacity, 2)
                             : with_interval(*row.of_capacity, row.of_capacity_interval))
        << " | "
        << (p > 1 && row.speedup > 0 ? fixed((1 / row.speedup - 1 / p) / (1 - 1 / p), 3) : "–")
        << " | " << fixed(row.forks, 0) << " | " << row.bands << " |\n";
  }
  return out.str();
}

std::string band_table(const std::vector<BandRun>& bands, std::string_view scene,
                       std::string_view scheduler, unsigned processes) {
  std::vector<BandRun> chosen;
  for (const BandRun& run : bands) {
    if (run.scene == scene && run.scheduler == scheduler && run.processes == processes) {
      chosen.push_back(run);
    }
  }
  if (chosen.size() < 2) return "";
  std::sort(chosen.begin(), chosen.end(), [](const BandRun& a, const BandRun& b) {
    return a.band_rows.value_or(0) < b.band_rows.value_or(0);
  });
  std::ostringstream out;
  out << "| band rows | bands | median s (95%) (" << scheduler << ", " << processes
      << " processes) | speedup (95%) |\n|---:|---:|---:|---:|\n";
  for (const BandRun& run : chosen) {
    out << "| " << (run.band_rows ? std::to_string(*run.band_rows) : "default") << " | "
        << run.bands << " | " << with_interval(run.seconds, run.seconds_interval, 3) << " | "
        << (run.speedup > 0 ? with_interval(run.speedup, run.speedup_interval) : "–") << " |\n";
  }
  return out.str();
}

std::string disturbance_note(unsigned disturbed, unsigned watched) {
  if (watched == 0) return "";
  return std::to_string(disturbed) + " of " + std::to_string(watched) +
         " repetitions disturbed (other work or steal above " + fixed(measure::kDisturbedShare, 2) +
         " of a CPU while they ran)";
}

measure::SpeedupChart sweep_chart(const std::vector<Panel>& sweep, const std::string& caption,
                                  unsigned cpus) {
  measure::SpeedupChart chart{.title = "Speedup over the sequential render, built-in scene",
                              .caption = caption,
                              .cpus = cpus > 0 ? std::optional<unsigned>(cpus) : std::nullopt};
  for (const Panel& panel : sweep) {
    // pygmy speedup's panel of the same rows: a line per scheduler with its intervals, and the
    // capacity's.
    measure::SpeedupPanel drawn = measure::speedup_chart({}, panel.rows).panels.at(0);
    drawn.title = panel.title;
    chart.panels.push_back(std::move(drawn));
  }
  return chart;
}

}  // namespace pygmy::bench
