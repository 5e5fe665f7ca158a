// Turns Google Benchmark JSON into the speedup report: the goals and where they stand, tables on
// the terminal and in docs/benchmarks.md, an SVG chart of speedup against processes, and the
// machinery's figures.
#include <cctype>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "benchmark_results.hpp"
#include "goals.hpp"
#include "pprocess/cores.hpp"
#include "pygmy/measure/machine.hpp"
#include "pygmy/measure/speedup_chart.hpp"
#include "render_figures.hpp"

namespace {

using pygmy::bench::BenchmarkResults;
using pygmy::bench::fixed;

/// Round trips, throughput and per-task costs beside their baselines.
std::string machinery_table(const BenchmarkResults& results) {
  const auto seconds = [&results](const std::string& prefix) {
    return pygmy::bench::median_seconds(results, prefix);
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

/// `text` with the block between <!-- NAME:begin --> and <!-- NAME:end --> replaced by
/// `content`; nullopt when `text` has no such block.
std::optional<std::string> replaced(std::string text, const std::string& name,
                                    const std::string& content) {
  const std::string begin = "<!-- " + name + ":begin -->";
  const std::string end = "<!-- " + name + ":end -->";
  const auto b = text.find(begin);
  const auto e = text.find(end);
  if (b == std::string::npos || e == std::string::npos || e < b) return std::nullopt;
  text.replace(b, e + end.size() - b, begin + "\n" + content + end);
  return text;
}

/// Writes the report into `file`: the goals between its goals markers (at the start of the report
/// when it has none), the report between its report markers (appended when it has none).
void write_markdown(const std::string& file, const std::string& goals, const std::string& report) {
  std::string text;
  if (std::ifstream in(file); in) {
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  std::string section = report;
  if (std::optional<std::string> with_goals = replaced(text, "goals", goals)) {
    text = std::move(*with_goals);
  } else {
    section = goals + "\n" + report;
  }
  if (std::optional<std::string> with_report = replaced(text, "report", section)) {
    text = std::move(*with_report);
  } else {
    text += "\n<!-- report:begin -->\n" + section + "<!-- report:end -->\n";
  }
  std::ofstream out(file);
  out << text;
  if (!out) throw std::runtime_error(file + ": cannot write it");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes the speedup report from Google Benchmark JSON."};
  std::string render_file, machinery_file, markdown, svg_file, commit = "unknown", svg_link;
  app.add_option("--render", render_file, "render_bench JSON (BM_Sweep, BM_Render, BM_Capacity)")
      ->required();
  app.add_option("--machinery", machinery_file, "machinery_bench JSON");
  app.add_option("--markdown", markdown,
                 "Markdown file whose goals and report sections are replaced");
  app.add_option("--svg", svg_file, "SVG chart of the size sweep to write");
  app.add_option("--svg-link", svg_link, "How the Markdown refers to the chart");
  app.add_option("--commit", commit, "The commit measured");
  CLI11_PARSE(app, argc, argv);

  try {
    const BenchmarkResults render = pygmy::bench::read_results(render_file);
    const pygmy::bench::RenderFigures figures = pygmy::bench::render_figures(render);
    const std::string machine =
        figures.machine.empty() ? pygmy::measure::machine_description() : figures.machine;
    const unsigned cpus = figures.cpus > 0 ? figures.cpus : pprocess::available_cpus();
    const std::string date = render.context_value("date");
    const std::string disturbed =
        pygmy::bench::disturbance_note(figures.disturbed, figures.watched);
    std::ostringstream section;
    section << "Measured on " << machine << ", commit " << commit << ", " << date << " ("
            << render.context_value("library_build_type")
            << " Google Benchmark library). Medians of " << render.repetitions << " repetitions"
            << (render.medians_only > 0
                    ? " (the JSON holds only their medians: no intervals, no disturbance)"
                    : ", with 95% bootstrap intervals (the repetitions of every benchmark paired "
                      "by their index)")
            << (figures.calibrations.empty()
                    ? "; no calibration in this run (BM_Capacity), so no capacity."
                    : "; capacity: the calibration loop's speedup (BM_Capacity), the most this "
                      "machine gave a program in this run; of capacity: speedup ÷ capacity.");
    if (!disturbed.empty()) {
      section << " " << disturbed << "; other work took " << fixed(figures.other_share, 2)
              << " of a CPU on average; every repetition counts in the figures.";
    }
    section << "\n\n";

    if (!figures.sweep.empty()) {
      unsigned sweep_disturbed = 0;
      unsigned sweep_watched = 0;
      for (const pygmy::bench::Panel& panel : figures.sweep) {
        sweep_disturbed += panel.disturbed;
        sweep_watched += panel.watched;
      }
      const std::string note = pygmy::bench::disturbance_note(sweep_disturbed, sweep_watched);
      const std::string table = pygmy::bench::sweep_table(figures.sweep);
      section << "#### Size sweep, built-in scene, default band rows\n\n"
              << (note.empty() ? "" : note + ".\n\n") << table << "\n";
      std::cout << "Size sweep, built-in scene" << (note.empty() ? "" : "; " + note) << "\n"
                << table << "\n";
      if (!svg_file.empty()) {
        const std::string caption = machine + "; " + date + "; commit " + commit + "; medians of " +
                                    std::to_string(render.repetitions) + " repetitions" +
                                    (render.medians_only > 0 ? "" : ", bands: 95% intervals") +
                                    (disturbed.empty() ? "" : "; " + disturbed) +
                                    " (render_bench BM_Sweep, BM_Capacity)";
        std::ofstream out(svg_file);
        out << pygmy::measure::speedup_svg(pygmy::bench::sweep_chart(figures.sweep, caption, cpus));
        if (!out) throw std::runtime_error(svg_file + ": cannot write it");
        section << "![Speedup against processes at each size]("
                << (svg_link.empty() ? svg_file : svg_link) << ")\n\n";
      }
    }

    for (const pygmy::bench::Panel& scene : figures.scenes) {
      const std::string note = pygmy::bench::disturbance_note(scene.disturbed, scene.watched);
      const std::string table = pygmy::bench::scene_table(scene);
      std::string heading = scene.title + " scene, default band rows";
      heading[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(heading[0])));
      section << "#### " << heading << "\n\n"
              << (note.empty() ? "" : note + ".\n\n") << table << "\n";
      std::cout << heading << (note.empty() ? "" : "; " + note) << "\n" << table << "\n";
      for (const std::string scheduler : {"pool", "exchange"}) {
        const std::string bands =
            pygmy::bench::band_table(figures.bands, scene.title, scheduler, cpus);
        if (bands.empty()) continue;
        section << "#### Band size, " << scene.title << " scene, " << scheduler << "\n\n"
                << bands << "\n";
        std::cout << bands << "\n";
      }
    }

    std::vector<pygmy::bench::Goal> goals = pygmy::bench::render_goals(figures);
    if (!machinery_file.empty()) {
      const BenchmarkResults machinery = pygmy::bench::read_results(machinery_file);
      const std::string table = machinery_table(machinery);
      section << "#### The machinery\n\n" << table << "\n";
      std::cout << table << "\n";
      const std::vector<pygmy::bench::Goal> more = pygmy::bench::machinery_goals(machinery);
      goals.insert(goals.end(), more.begin(), more.end());
    }
    const std::string goals_table = pygmy::bench::goals_table(goals);
    std::cout << "Goals\n" << goals_table;
    if (!markdown.empty()) {
      const std::string goals_section = "From the run of the report below (commit " + commit +
                                        ", " + date + "), written by `bench_report`:\n\n" +
                                        goals_table;
      write_markdown(markdown, goals_section, section.str());
    }
  } catch (const std::exception& e) {
    std::cerr << "report: " << e.what() << '\n';
    return 1;
  }
}
