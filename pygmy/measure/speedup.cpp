// The figures of `pygmy speedup`: which configurations it measures and in which order, the
// medians of their runs, and the table, JSON and chart made of them.
#include "pygmy/measure/speedup.hpp"

#include <algorithm>
#include <cstdio>
#include <random>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "pygmy/measure/statistics.hpp"

namespace pygmy::measure {

namespace {

constexpr unsigned kMostProcesses = 4096;  // as `pygmy render -j`
constexpr std::string_view kSequential = "sequential";

// The items of a comma-separated list; std::invalid_argument for an empty one.
std::vector<std::string> items_of(const std::string& text) {
  std::vector<std::string> items;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    if (item.empty()) {
      throw std::invalid_argument("expected a comma-separated list without empty items, got '" +
                                  text + "'");
    }
    items.push_back(item);
  }
  if (items.empty() || text.back() == ',') {
    throw std::invalid_argument("expected a comma-separated list without empty items, got '" +
                                text + "'");
  }
  return items;
}

}  // namespace

std::vector<unsigned> parse_process_list(const std::string& text) {
  std::vector<unsigned> counts;
  for (const std::string& item : items_of(text)) {
    const bool digits =
        item.size() <= 4 && item.find_first_not_of("0123456789") == std::string::npos;
    const unsigned count = digits ? static_cast<unsigned>(std::stoul(item)) : 0;
    if (count < 1 || count > kMostProcesses) {
      throw std::invalid_argument("expected process counts from 1 to " +
                                  std::to_string(kMostProcesses) + ", got '" + item + "'");
    }
    counts.push_back(count);
  }
  std::sort(counts.begin(), counts.end());
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  return counts;
}

std::vector<std::string> parse_scheduler_list(const std::string& text,
                                              const std::vector<std::string>& known) {
  std::vector<std::string> names;
  for (const std::string& item : items_of(text)) {
    if (std::find(known.begin(), known.end(), item) == known.end()) {
      std::string there;
      for (const std::string& name : known) there += (there.empty() ? "" : ", ") + name;
      throw std::invalid_argument("no scheduler called '" + item + "' (there are " + there + ")");
    }
    if (std::find(names.begin(), names.end(), item) == names.end()) {
      names.push_back(item);
    }
  }
  return names;
}

std::vector<Configuration> configurations(const std::vector<std::string>& schedulers,
                                          const std::vector<unsigned>& processes) {
  std::vector<Configuration> all{{std::string(kSequential), 1}};
  for (const std::string& scheduler : schedulers) {
    if (scheduler == kSequential) {
      continue;
    }
    for (const unsigned count : processes) {
      all.push_back({scheduler, count});
    }
  }
  return all;
}

std::vector<std::size_t> run_order(std::size_t count, unsigned repetition) {
  std::vector<std::size_t> order(count);
  for (std::size_t i = 0; i < count; ++i) {
    order[i] = i;
  }
  // Fisher and Yates's shuffle over mt19937, whose numbers the standard fixes: the same order
  // on every machine.
  std::mt19937 generator(repetition + 1);
  for (std::size_t i = count; i > 1; --i) {
    std::swap(order[i - 1], order[generator() % i]);
  }
  return order;
}

std::vector<SpeedupRow> summarise(const std::vector<Configuration>& configurations,
                                  const std::vector<SpeedupRun>& runs) {
  std::vector<SpeedupRow> rows;
  for (const Configuration& configuration : configurations) {
    std::vector<double> seconds;
    std::vector<double> cpu;
    std::vector<double> faults;
    std::vector<double> forks;
    SpeedupRow row{.configuration = configuration};
    for (const SpeedupRun& run : runs) {
      if (run.configuration == configuration) {
        seconds.push_back(run.seconds);
        cpu.push_back(run.cpu_seconds);
        faults.push_back(static_cast<double>(run.minor_faults));
        forks.push_back(static_cast<double>(run.forks));
        row.bands = run.bands;
      }
    }
    if (seconds.empty()) {
      continue;
    }
    row.runs = seconds.size();
    row.seconds = median(seconds);
    row.cpu_seconds = median(cpu);
    row.minor_faults = median(faults);
    row.forks = median(forks);
    rows.push_back(row);
  }
  const auto sequential = std::find_if(rows.begin(), rows.end(), [](const SpeedupRow& row) {
    return row.configuration.scheduler == kSequential;
  });
  if (sequential == rows.end()) {
    throw std::invalid_argument("summarise: no sequential run to compare with");
  }
  const double baseline = sequential->seconds;
  for (SpeedupRow& row : rows) {
    row.speedup = speedup(baseline, row.seconds);
    row.efficiency = efficiency(row.speedup, row.configuration.processes);
  }
  return rows;
}

std::string speedup_table(const SpeedupContext& context, const std::vector<SpeedupRow>& rows) {
  std::size_t name_width = std::string("scheduler").size();
  for (const SpeedupRow& row : rows) {
    name_width = std::max(name_width, row.configuration.scheduler.size());
  }
  std::ostringstream out;
  out << "pygmy speedup: scene " << context.scene << ", " << context.width << "x" << context.height
      << ", "
      << (context.band_rows ? std::to_string(*context.band_rows) + "-row bands"
                            : "default band rows")
      << ", median of " << context.repeat << (context.repeat == 1 ? " run" : " runs")
      << " each, interleaved\n"
      << "machine: " << context.machine << "; " << context.date
      << (context.commit.empty() ? "" : "; commit " + context.commit)
      << (context.label.empty() ? "" : "; " + context.label) << "\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-*s  %9s  %8s  %7s  %10s  %7s  %5s  %5s\n",
                static_cast<int>(name_width), "scheduler", "processes", "median s", "speedup",
                "efficiency", "CPU s", "forks", "bands");
  out << line;
  for (const SpeedupRow& row : rows) {
    std::snprintf(line, sizeof line, "%-*s  %9u  %8.3f  %7.2f  %10.2f  %7.3f  %5.0f  %5zu\n",
                  static_cast<int>(name_width), row.configuration.scheduler.c_str(),
                  row.configuration.processes, row.seconds, row.speedup, row.efficiency,
                  row.cpu_seconds, row.forks, row.bands);
    out << line;
  }
  return out.str();
}

std::string speedup_json(const SpeedupContext& context, const std::vector<SpeedupRun>& runs,
                         const std::vector<SpeedupRow>& rows) {
  using nlohmann::ordered_json;
  ordered_json document;
  document["scene"] = context.scene;
  document["width"] = context.width;
  document["height"] = context.height;
  document["repeat"] = context.repeat;
  document["band_rows"] = context.band_rows ? ordered_json(*context.band_rows) : ordered_json();
  document["machine"] = context.machine;
  document["date"] = context.date;
  document["commit"] = context.commit;
  document["label"] = context.label;
  ordered_json& all_runs = document["runs"] = ordered_json::array();
  for (const SpeedupRun& run : runs) {
    all_runs.push_back({{"scheduler", run.configuration.scheduler},
                        {"processes", run.configuration.processes},
                        {"repetition", run.repetition},
                        {"order", run.order},
                        {"seconds", run.seconds},
                        {"cpu_seconds", run.cpu_seconds},
                        {"minor_faults", run.minor_faults},
                        {"forks", run.forks},
                        {"bands", run.bands},
                        {"band_rows", run.band_rows},
                        {"workers", run.workers}});
  }
  ordered_json& medians = document["medians"] = ordered_json::array();
  for (const SpeedupRow& row : rows) {
    medians.push_back({{"scheduler", row.configuration.scheduler},
                       {"processes", row.configuration.processes},
                       {"runs", row.runs},
                       {"seconds", row.seconds},
                       {"speedup", row.speedup},
                       {"efficiency", row.efficiency},
                       {"cpu_seconds", row.cpu_seconds},
                       {"minor_faults", row.minor_faults},
                       {"forks", row.forks},
                       {"bands", row.bands}});
  }
  return document.dump(2) + "\n";
}

SpeedupChart speedup_chart(const SpeedupContext& context, const std::vector<SpeedupRow>& rows) {
  SpeedupPanel panel{.title = context.scene + " " + std::to_string(context.width) + "x" +
                              std::to_string(context.height)};
  for (const SpeedupRow& row : rows) {
    const std::string& name = row.configuration.scheduler;
    if (name == kSequential) {
      continue;
    }
    auto line = std::find_if(panel.lines.begin(), panel.lines.end(),
                             [&name](const SpeedupLine& l) { return l.name == name; });
    if (line == panel.lines.end()) {
      line = panel.lines.insert(panel.lines.end(), SpeedupLine{.name = name});
    }
    line->points.push_back({row.configuration.processes, row.speedup});
  }
  return {.title = "Speedup over the sequential render against processes",
          .panels = {panel},
          .caption = context.machine + "; " + context.date +
                     (context.commit.empty() ? "" : "; commit " + context.commit) +
                     (context.label.empty() ? "" : "; " + context.label) + "; median of " +
                     std::to_string(context.repeat) + (context.repeat == 1 ? " run" : " runs") +
                     " each (pygmy speedup)"};
}

std::string utc_date(std::time_t when) {
  std::tm parts{};
  ::gmtime_r(&when, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace pygmy::measure
