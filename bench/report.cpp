// Turns Google Benchmark JSON into the speedup report: a table on the terminal and in
// docs/benchmarks.md, an SVG chart of speedup against processes, and the machinery's figures.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "pprocess/cores.hpp"

namespace {

using nlohmann::json;

/// One render benchmark's median.
struct RenderRun {
  std::string scene;
  std::string scheduler;
  unsigned processes = 1;
  int band_rows = 0;
  double seconds = 0;
};

json read_json(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file + ": cannot open");
  return json::parse(in);
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

std::vector<RenderRun> render_runs(const json& results) {
  static const std::regex pattern(R"(BM_Render/(\w+)/(\w+)/j:(\d+)/rows:(\d+)(/.*)?)");
  std::vector<RenderRun> runs;
  for (const auto& [name, b] : medians(results)) {
    std::smatch m;
    if (!std::regex_match(name, m, pattern) || b.contains("error_occurred")) continue;
    runs.push_back(
        {m[1], m[2], static_cast<unsigned>(std::stoul(m[3])), std::stoi(m[4]), to_seconds(b)});
  }
  return runs;
}

std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::string read_first(const std::string& file, const std::string& key) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

const std::vector<std::string> kOrder{"sequential", "exchange", "map",    "queue",
                                      "reuse",      "shared",   "threads"};

int order_of(const std::string& scheduler) {
  return static_cast<int>(std::find(kOrder.begin(), kOrder.end(), scheduler) - kOrder.begin());
}

/// The speedup table of one scene at one band size.
std::string speedup_table(const std::vector<RenderRun>& runs, const std::string& scene, int rows) {
  std::optional<double> sequential;
  std::vector<RenderRun> chosen;
  for (const RenderRun& r : runs) {
    if (r.scene != scene) continue;
    if (r.scheduler == "sequential")
      sequential = r.seconds;
    else if (r.band_rows == rows)
      chosen.push_back(r);
  }
  if (!sequential) return "";
  std::sort(chosen.begin(), chosen.end(), [](const RenderRun& a, const RenderRun& b) {
    return std::pair(order_of(a.scheduler), a.processes) <
           std::pair(order_of(b.scheduler), b.processes);
  });
  std::ostringstream out;
  out << "| scheduler | processes | median s | speedup | efficiency | serial fraction (Karp–Flatt) "
         "|\n"
      << "|---|---:|---:|---:|---:|---:|\n"
      << "| sequential | 1 | " << fixed(*sequential, 3) << " | 1.00 | 1.00 | – |\n";
  for (const RenderRun& r : chosen) {
    const double speedup = *sequential / r.seconds;
    const double p = r.processes;
    out << "| " << r.scheduler << " | " << r.processes << " | " << fixed(r.seconds, 3) << " | "
        << fixed(speedup, 2) << " | " << fixed(speedup / p, 2) << " | "
        << (p > 1 ? fixed((1 / speedup - 1 / p) / (1 - 1 / p), 3) : "–") << " |\n";
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
  std::sort(chosen.begin(), chosen.end(),
            [](const RenderRun& a, const RenderRun& b) { return a.band_rows < b.band_rows; });
  std::ostringstream out;
  out << "| band rows | median s (" << scheduler << ", " << processes
      << " processes) |\n|---:|---:|\n";
  for (const RenderRun& r : chosen)
    out << "| " << r.band_rows << " | " << fixed(r.seconds, 3) << " |\n";
  return out.str();
}

/// Speedup against processes, one line per scheduler, with the ideal line.
std::string svg_chart(const std::vector<RenderRun>& runs, const std::string& scene, int rows) {
  std::optional<double> sequential;
  std::map<std::string, std::vector<std::pair<unsigned, double>>> lines;
  unsigned most = 1;
  for (const RenderRun& r : runs) {
    if (r.scene != scene) continue;
    if (r.scheduler == "sequential")
      sequential = r.seconds;
    else if (r.band_rows == rows)
      lines[r.scheduler].emplace_back(r.processes, r.seconds);
    most = std::max(most, r.processes);
  }
  if (!sequential) return "";
  const double width = 640, height = 420, left = 60, bottom = 50, top = 30, right = 150;
  const double top_speedup = most;
  auto x = [&](double p) {
    return left + (p - 1) / std::max(1.0, most - 1.0) * (width - left - right);
  };
  auto y = [&](double s) { return height - bottom - s / top_speedup * (height - bottom - top); };
  const std::vector<std::string> colours{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                         "#9467bd", "#8c564b", "#e377c2"};
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << left << "\" y=\"18\" font-size=\"14\">Speedup against processes, " << scene
      << " scene, " << rows << "-row bands</text>\n";
  for (unsigned p = 1; p <= most; ++p) {
    svg << "<line x1=\"" << x(p) << "\" y1=\"" << y(0) << "\" x2=\"" << x(p) << "\" y2=\""
        << y(top_speedup) << "\" stroke=\"#eee\"/>\n<text x=\"" << x(p) - 4 << "\" y=\""
        << y(0) + 16 << "\">" << p << "</text>\n";
  }
  for (unsigned s = 0; s <= most; ++s) {
    svg << "<line x1=\"" << x(1) << "\" y1=\"" << y(s) << "\" x2=\"" << x(most) << "\" y2=\""
        << y(s) << "\" stroke=\"#eee\"/>\n<text x=\"" << left - 20 << "\" y=\"" << y(s) + 4 << "\">"
        << s << "</text>\n";
  }
  svg << "<text x=\"" << (width - right) / 2 << "\" y=\"" << height - 12 << "\">processes</text>\n"
      << "<text x=\"14\" y=\"" << height / 2 << "\" transform=\"rotate(-90 14 " << height / 2
      << ")\">speedup</text>\n"
      << "<line x1=\"" << x(1) << "\" y1=\"" << y(1) << "\" x2=\"" << x(most) << "\" y2=\""
      << y(most) << "\" stroke=\"#999\" stroke-dasharray=\"6 4\"/>\n"
      << "<text x=\"" << width - right + 10 << "\" y=\"" << top + 10
      << "\" fill=\"#999\">ideal</text>\n";
  std::size_t index = 0;
  for (auto& [scheduler, points] : lines) {
    std::sort(points.begin(), points.end());
    const std::string& colour = colours[index % colours.size()];
    svg << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"2\" points=\"";
    for (const auto& [p, seconds] : points) svg << x(p) << "," << y(*sequential / seconds) << " ";
    svg << "\"/>\n";
    for (const auto& [p, seconds] : points) {
      svg << "<circle cx=\"" << x(p) << "\" cy=\"" << y(*sequential / seconds)
          << "\" r=\"3.5\" fill=\"" << colour << "\"/>\n";
    }
    svg << "<text x=\"" << width - right + 10 << "\" y=\"" << top + 28 + 16 * index << "\" fill=\""
        << colour << "\">" << scheduler << "</text>\n";
    ++index;
  }
  svg << "</svg>\n";
  return svg.str();
}

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
  app.add_option("--render", render_file, "render_bench JSON")->required();
  app.add_option("--machinery", machinery_file, "machinery_bench JSON");
  app.add_option("--markdown", markdown, "Markdown file whose report section is replaced");
  app.add_option("--svg", svg_file, "SVG chart to write");
  app.add_option("--svg-link", svg_link, "How the Markdown refers to the chart");
  app.add_option("--commit", commit, "The commit measured");
  CLI11_PARSE(app, argc, argv);

  try {
    const json render = read_json(render_file);
    const std::vector<RenderRun> runs = render_runs(render);
    const int rows = 16;
    std::ostringstream section;
    const json& context = render.at("context");
    section << "Measured on " << read_first("/proc/cpuinfo", "model name") << ", "
            << pprocess::get_number_of_cores() << " physical cores, " << pprocess::available_cpus()
            << " available CPUs, commit " << commit << ", " << context.value("date", "") << " ("
            << context.value("library_build_type", "")
            << " Google Benchmark library; medians of the repetitions).\n\n";
    for (const std::string scene : {"showcase", "builtin"}) {
      const std::string table = speedup_table(runs, scene, rows);
      if (table.empty()) continue;
      section << "#### " << scene << " scene, " << rows << "-row bands\n\n" << table << "\n";
      std::cout << scene << " scene, " << rows << "-row bands\n" << table << "\n";
    }
    const unsigned cpus = pprocess::available_cpus();
    if (const std::string bands = band_table(runs, "showcase", "exchange", cpus); !bands.empty()) {
      section << "#### Band size, showcase scene\n\n" << bands << "\n";
      std::cout << bands << "\n";
    }
    if (!svg_file.empty()) {
      std::ofstream(svg_file) << svg_chart(runs, "showcase", rows);
      section << "![Speedup against processes](" << (svg_link.empty() ? svg_file : svg_link)
              << ")\n\n";
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
