// Turns Google Benchmark JSON into the speedup report: tables on the terminal and in
// docs/benchmarks.md, an SVG chart of speedup against processes, and the machinery's figures.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "pprocess/cores.hpp"
#include "pygmy/measure/machine.hpp"
#include "pygmy/measure/speedup_chart.hpp"
#include "pygmy/measure/statistics.hpp"
#include "pygmy/schedulers.hpp"

namespace {

using nlohmann::json;

/// A Google Benchmark JSON file. Its coefficient of variation of a counter whose mean is 0 (the
/// forks of threads) is written as NaN, which JSON lacks: such values are read as null.
json read_json(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  static const std::regex not_a_number(R"(:\s*-?(NaN|nan|inf|Infinity)\b)");
  return json::parse(std::regex_replace(text.str(), not_a_number, ": null"));
}

double to_seconds(const json& benchmark) {
  const std::string unit = benchmark.value("time_unit", "ns");
  const double scale = unit == "s" ? 1 : unit == "ms" ? 1e-3 : unit == "us" ? 1e-6 : 1e-9;
  return benchmark.at("real_time").get<double>() * scale;
}

/// The median of every benchmark (or its only run when there were no repetitions), by name.
std::map<std::string, json> medians(const json& results) {
  std::map<std::string, json> found;
  for (const json& b : results.at("benchmarks")) {
    const std::string name = b.value("run_name", b.value("name", ""));
    const bool aggregate = b.value("run_type", "iteration") == "aggregate";
    if (aggregate && b.value("aggregate_name", "") != "median") continue;
    if (!aggregate && found.count(name)) continue;
    found[name] = b;
  }
  return found;
}

std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

/// Schedulers in the order of the tables: sequential, then as pygmy::schedulers lists them.
int order_of(const std::string& scheduler) {
  if (scheduler == "sequential") return -1;
  const auto all = pygmy::schedulers::all_schedulers();
  return static_cast<int>(
      std::find_if(all.begin(), all.end(), [&](const auto& s) { return s.name == scheduler; }) -
      all.begin());
}

// --- The size sweep -------------------------------------------------------------------------

/// One BM_Sweep benchmark's medians.
struct SweepRun {
  int width = 0;
  int height = 0;
  std::string scheduler;
  unsigned processes = 1;
  double seconds = 0;
  double cpu_seconds = 0;
  double faults_per_band = 0;
  double forks = 0;
  std::size_t bands = 0;

  [[nodiscard]] std::string size() const {
    return std::to_string(width) + "x" + std::to_string(height);
  }
  [[nodiscard]] auto key() const {
    return std::tuple(width * height, order_of(scheduler), processes);
  }
};

std::vector<SweepRun> sweep_runs(const json& results) {
  static const std::regex pattern(R"(BM_Sweep/(\d+)x(\d+)/(\w+)/j:(\d+)(/.*)?)");
  std::vector<SweepRun> runs;
  for (const auto& [name, b] : medians(results)) {
    std::smatch m;
    if (!std::regex_match(name, m, pattern) || b.contains("error_occurred")) continue;
    runs.push_back({std::stoi(m[1]), std::stoi(m[2]), m[3], static_cast<unsigned>(std::stoul(m[4])),
                    to_seconds(b), b.value("cpu_s", 0.0), b.value("faults_per_band", 0.0),
                    b.value("forks", 0.0), static_cast<std::size_t>(b.value("bands", 0.0))});
  }
  std::sort(runs.begin(), runs.end(),
            [](const SweepRun& a, const SweepRun& b) { return a.key() < b.key(); });
  return runs;
}

/// The run of `scheduler` with `processes` at the size of `like`, if it was measured.
const SweepRun* find_run(const std::vector<SweepRun>& runs, const SweepRun& like,
                         const std::string& scheduler, unsigned processes) {
  const auto found = std::find_if(runs.begin(), runs.end(), [&](const SweepRun& r) {
    return r.width == like.width && r.height == like.height && r.scheduler == scheduler &&
           r.processes == processes;
  });
  return found == runs.end() ? nullptr : &*found;
}

/// Every sweep run against the sequential render of its size and threads at its process count.
std::string sweep_table(const std::vector<SweepRun>& runs) {
  std::ostringstream out;
  out << "| size | scheduler | processes | median s | speedup | × threads | CPU s | CPU per band "
         "above sequential (ms) | faults per band | forks |\n"
      << "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const SweepRun& r : runs) {
    const SweepRun* sequential = find_run(runs, r, "sequential", 1);
    const SweepRun* threads = find_run(runs, r, "threads", r.processes);
    out << "| " << r.size() << " | " << r.scheduler << " | " << r.processes << " | "
        << fixed(r.seconds, 3) << " | "
        << (sequential ? fixed(pygmy::measure::speedup(sequential->seconds, r.seconds), 2) : "–")
        << " | " << (threads ? fixed(r.seconds / threads->seconds, 2) : "–") << " | "
        << fixed(r.cpu_seconds, 3) << " | "
        << (sequential ? fixed(pygmy::measure::cpu_per_band_above_ms(
                                   r.cpu_seconds, sequential->cpu_seconds, r.bands),
                               2)
                       : "–")
        << " | " << fixed(r.faults_per_band, 1) << " | " << fixed(r.forks, 0) << " |\n";
  }
  return out.str();
}

/// Speedup against processes: a panel per size, a line per scheduler.
pygmy::measure::SpeedupChart sweep_chart(const std::vector<SweepRun>& runs,
                                         const std::string& caption) {
  pygmy::measure::SpeedupChart chart{.title = "Speedup over the sequential render, built-in scene",
                                     .caption = caption};
  for (const SweepRun& r : runs) {
    const SweepRun* sequential = find_run(runs, r, "sequential", 1);
    if (r.scheduler == "sequential" || sequential == nullptr) continue;
    if (chart.panels.empty() || chart.panels.back().title != r.size()) {
      chart.panels.push_back({.title = r.size()});
    }
    std::vector<pygmy::measure::SpeedupLine>& lines = chart.panels.back().lines;
    if (lines.empty() || lines.back().name != r.scheduler) lines.push_back({.name = r.scheduler});
    lines.back().points.push_back(
        {r.processes, pygmy::measure::speedup(sequential->seconds, r.seconds)});
  }
  return chart;
}

// --- A scene file by scheduler and band size --------------------------------------------------

/// One BM_Render benchmark's median.
struct RenderRun {
  std::string scene;
  std::string scheduler;
  unsigned processes = 1;
  std::optional<int> band_rows;  // nullopt: the default
  double seconds = 0;
  double forks = 0;
  std::size_t bands = 0;
};

std::vector<RenderRun> render_runs(const json& results) {
  static const std::regex pattern(R"(BM_Render/(\w+)/(\w+)/j:(\d+)/rows:(\d+|auto)(/.*)?)");
  std::vector<RenderRun> runs;
  for (const auto& [name, b] : medians(results)) {
    std::smatch m;
    if (!std::regex_match(name, m, pattern) || b.contains("error_occurred")) continue;
    runs.push_back({m[1], m[2], static_cast<unsigned>(std::stoul(m[3])),
                    m[4] == "auto" ? std::nullopt : std::optional<int>(std::stoi(m[4])),
                    to_seconds(b), b.value("forks", 0.0),
                    static_cast<std::size_t>(b.value("bands", 0.0))});
  }
  return runs;
}

/// Every scheduler with the default band rows on one scene, against its sequential render.
std::string scene_table(const std::vector<RenderRun>& runs, const std::string& scene) {
  std::optional<double> sequential;
  std::vector<RenderRun> chosen;
  for (const RenderRun& r : runs) {
    if (r.scene != scene || r.band_rows) continue;
    if (r.scheduler == "sequential") sequential = r.seconds;
    chosen.push_back(r);
  }
  if (!sequential) return "";
  std::sort(chosen.begin(), chosen.end(), [](const RenderRun& a, const RenderRun& b) {
    return std::pair(order_of(a.scheduler), a.processes) <
           std::pair(order_of(b.scheduler), b.processes);
  });
  std::ostringstream out;
  out << "| scheduler | processes | median s | speedup | efficiency | serial fraction (Karp–Flatt) "
         "| forks | bands |\n"
      << "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const RenderRun& r : chosen) {
    const double speedup = pygmy::measure::speedup(*sequential, r.seconds);
    const double p = r.processes;
    out << "| " << r.scheduler << " | " << r.processes << " | " << fixed(r.seconds, 3) << " | "
        << fixed(speedup, 2) << " | " << fixed(pygmy::measure::efficiency(speedup, r.processes), 2)
        << " | " << (p > 1 ? fixed((1 / speedup - 1 / p) / (1 - 1 / p), 3) : "–") << " | "
        << fixed(r.forks, 0) << " | " << r.bands << " |\n";
  }
  return out.str();
}

/// Band sizes against each other, for one scheduler at one process count.
std::string band_table(const std::vector<RenderRun>& runs, const std::string& scene,
                       const std::string& scheduler, unsigned processes) {
  std::vector<RenderRun> chosen;
  for (const RenderRun& r : runs) {
    if (r.scene == scene && r.scheduler == scheduler && r.processes == processes)
      chosen.push_back(r);
  }
  if (chosen.size() < 2) return "";
  std::sort(chosen.begin(), chosen.end(), [](const RenderRun& a, const RenderRun& b) {
    return a.band_rows.value_or(0) < b.band_rows.value_or(0);
  });
  std::ostringstream out;
  out << "| band rows | bands | median s (" << scheduler << ", " << processes
      << " processes) |\n|---:|---:|---:|\n";
  for (const RenderRun& r : chosen) {
    out << "| " << (r.band_rows ? std::to_string(*r.band_rows) : "default") << " | " << r.bands
        << " | " << fixed(r.seconds, 3) << " |\n";
  }
  return out.str();
}

// --- The machinery ----------------------------------------------------------------------------

/// Round trips, throughput and per-task costs beside their baselines.
std::string machinery_table(const json& results) {
  const auto found = medians(results);
  auto seconds = [&](const std::string& name) -> std::optional<double> {
    for (const auto& [key, b] : found) {
      if (key.rfind(name, 0) == 0 && !b.contains("error_occurred")) return to_seconds(b);
    }
    return std::nullopt;
  };
  auto us = [](double s) { return fixed(s * 1e6, 1); };
  std::ostringstream out;
  out << "| measure | pprocess | baseline | ratio |\n|---|---:|---:|---:|\n";
  for (const auto& [benchmark, how] :
       {std::pair<std::string, std::string>{"BM_ChannelRoundTrip/", "a fresh vector"},
        {"BM_ChannelRoundTripInto/", "received into a reused vector"}}) {
    for (const std::string size : {"8", "4096", "1048576"}) {
      const auto channel = seconds(benchmark + size + "/");
      const auto raw = seconds("BM_SocketpairRoundTrip/" + size + "/");
      if (!channel || !raw) continue;
      out << "| round trip of " << size << " B, " << how << " (µs; baseline: raw socketpair) | "
          << us(*channel) << " | " << us(*raw) << " | " << fixed(*channel / *raw, 2)
          << "× the time, " << fixed(100 * *raw / *channel, 0) << "% of the throughput |\n";
    }
  }
  if (auto fork = seconds("BM_ForkReap"), start = seconds("BM_StartEmptyTask"); fork && start) {
    out << "| start an empty task and reap it (µs; baseline: bare fork + waitpid) | " << us(*start)
        << " | " << us(*fork) << " | " << fixed(*start / *fork, 2) << "× |\n";
  }
  const auto python = seconds("BM_PythonPoolTrivialTasks");
  for (const std::string reuse : {"0", "1"}) {
    const auto pmap = seconds("BM_PmapTrivialTasks/reuse:" + reuse);
    if (!pmap) continue;
    out << "| pmap per trivial task, reuse " << (reuse == "1" ? "on" : "off")
        << " (µs; baseline: Python multiprocessing.Pool, chunk size 1) | " << us(*pmap / 1e4)
        << " | " << (python ? us(*python / 1e4) : "–") << " | "
        << (python ? fixed(*pmap / *python, 2) + "×" : "–") << " |\n";
  }
  return out.str();
}

void replace_section(const std::string& file, const std::string& section) {
  const std::string begin = "<!-- report:begin -->";
  const std::string end = "<!-- report:end -->";
  std::string text;
  if (std::ifstream in(file); in) {
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  const auto b = text.find(begin);
  const auto e = text.find(end);
  const std::string block = begin + "\n" + section + end;
  if (b != std::string::npos && e != std::string::npos && e > b) {
    text.replace(b, e + end.size() - b, block);
  } else {
    text += "\n" + block + "\n";
  }
  std::ofstream(file) << text;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes the speedup report from Google Benchmark JSON."};
  std::string render_file, machinery_file, markdown, svg_file, commit = "unknown", svg_link;
  app.add_option("--render", render_file, "render_bench JSON (BM_Sweep and BM_Render)")->required();
  app.add_option("--machinery", machinery_file, "machinery_bench JSON");
  app.add_option("--markdown", markdown, "Markdown file whose report section is replaced");
  app.add_option("--svg", svg_file, "SVG chart of the size sweep to write");
  app.add_option("--svg-link", svg_link, "How the Markdown refers to the chart");
  app.add_option("--commit", commit, "The commit measured");
  CLI11_PARSE(app, argc, argv);

  try {
    const json render = read_json(render_file);
    const json& context = render.at("context");
    const std::string machine = pygmy::measure::machine_description();
    const std::string date = context.value("date", "");
    std::ostringstream section;
    section << "Measured on " << machine << ", commit " << commit << ", " << date << " ("
            << context.value("library_build_type", "")
            << " Google Benchmark library; medians of the repetitions).\n\n";

    const std::vector<SweepRun> sweep = sweep_runs(render);
    if (!sweep.empty()) {
      const std::string table = sweep_table(sweep);
      section << "#### Size sweep, built-in scene, default band rows\n\n" << table << "\n";
      std::cout << "Size sweep, built-in scene\n" << table << "\n";
      if (!svg_file.empty()) {
        const std::string caption = machine + "; " + date + "; commit " + commit +
                                    "; medians of the repetitions (render_bench BM_Sweep)";
        std::ofstream(svg_file) << pygmy::measure::speedup_svg(sweep_chart(sweep, caption));
        section << "![Speedup against processes at each size]("
                << (svg_link.empty() ? svg_file : svg_link) << ")\n\n";
      }
    }

    const std::vector<RenderRun> runs = render_runs(render);
    if (const std::string table = scene_table(runs, "showcase"); !table.empty()) {
      section << "#### Showcase scene, default band rows\n\n" << table << "\n";
      std::cout << "Showcase scene, default band rows\n" << table << "\n";
    }
    const unsigned cpus = pprocess::available_cpus();
    for (const std::string scheduler : {"pool", "exchange"}) {
      if (const std::string bands = band_table(runs, "showcase", scheduler, cpus); !bands.empty()) {
        section << "#### Band size, showcase scene, " << scheduler << "\n\n" << bands << "\n";
        std::cout << bands << "\n";
      }
    }
    if (!machinery_file.empty()) {
      const std::string table = machinery_table(read_json(machinery_file));
      section << "#### The machinery\n\n" << table << "\n";
      std::cout << table;
    }
    if (!markdown.empty()) replace_section(markdown, section.str());
  } catch (const std::exception& e) {
    std::cerr << "report: " << e.what() << '\n';
    return 1;
  }
}
