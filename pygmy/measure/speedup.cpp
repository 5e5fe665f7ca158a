// The figures of `pygmy speedup`: which configurations it measures and in which order, the
// medians of their runs, and the table, JSON and chart made of them.
#include "pygmy/measure/speedup.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
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

namespace {

// A count per CPU second, for the JSON: 0 when no CPU time was measured.
double per_cpu_second(std::uint64_t count, double cpu_seconds) {
  return cpu_seconds > 0 ? static_cast<double>(count) / cpu_seconds : 0.0;
}

// Of `runs` of `configuration`, each round's value of `field`, by round.
template <class Field>
std::map<unsigned, double> by_round(const std::vector<SpeedupRun>& runs,
                                    const Configuration& configuration, Field field) {
  std::map<unsigned, double> values;
  for (const SpeedupRun& run : runs) {
    if (run.configuration == configuration) values[run.repetition] = field(run);
  }
  return values;
}

std::map<unsigned, double> calibration_by_round(const std::vector<CalibrationRun>& calibrations,
                                                unsigned processes) {
  std::map<unsigned, double> values;
  for (const CalibrationRun& run : calibrations) {
    if (run.processes == processes) values[run.repetition] = run.seconds;
  }
  return values;
}

// Whether `round` is one of `rounds` (all when empty).
bool counts(const std::vector<unsigned>& rounds, unsigned round) {
  return rounds.empty() || std::find(rounds.begin(), rounds.end(), round) != rounds.end();
}

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

}  // namespace

std::vector<SpeedupRow> summarise(const std::vector<Configuration>& configurations,
                                  const std::vector<SpeedupRun>& all_runs,
                                  const std::vector<CalibrationRun>& all_calibrations,
                                  const std::vector<unsigned>& rounds) {
  std::vector<SpeedupRun> runs;
  for (const SpeedupRun& run : all_runs) {
    if (counts(rounds, run.repetition)) runs.push_back(run);
  }
  std::vector<CalibrationRun> calibrations;
  for (const CalibrationRun& run : all_calibrations) {
    if (counts(rounds, run.repetition)) calibrations.push_back(run);
  }
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
    row.seconds_interval = median_interval(seconds);
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
  const auto seconds_of = [](const SpeedupRun& run) { return run.seconds; };
  const std::map<unsigned, double> baseline = by_round(runs, sequential->configuration, seconds_of);
  const std::map<unsigned, double> calibrated_one = calibration_by_round(calibrations, 1);
  for (SpeedupRow& row : rows) {
    row.speedup = speedup(sequential->seconds, row.seconds);
    row.efficiency = efficiency(row.speedup, row.configuration.processes);
    const auto [baseline_seconds, row_seconds] =
        paired(baseline, by_round(runs, row.configuration, seconds_of));
    if (!row_seconds.empty()) row.speedup_interval = ratio_interval(baseline_seconds, row_seconds);
    const std::map<unsigned, double> calibrated =
        calibration_by_round(calibrations, row.configuration.processes);
    const auto [one, many] = paired(calibrated_one, calibrated);
    if (one.empty()) continue;
    row.capacity = speedup(median(one), median(many));
    row.capacity_interval = ratio_interval(one, many);
    row.of_capacity = *row.capacity > 0 ? row.speedup / *row.capacity : 0;
    // The share of the capacity, drawn over the rounds that measured all four together.
    std::vector<unsigned> together;
    const std::map<unsigned, double> row_by_round = by_round(runs, row.configuration, seconds_of);
    for (const auto& [round, value] : row_by_round) {
      if (baseline.count(round) && calibrated_one.count(round) && calibrated.count(round)) {
        together.push_back(round);
      }
    }
    if (together.empty()) continue;
    const auto pick = [&together](const std::map<unsigned, double>& values,
                                  const std::vector<std::size_t>& draw) {
      std::vector<double> chosen;
      for (std::size_t i : draw) chosen.push_back(values.at(together[i]));
      return median(chosen);
    };
    row.of_capacity_interval =
        bootstrap_interval(together.size(), [&](const std::vector<std::size_t>& draw) {
          const double cap = speedup(pick(calibrated_one, draw), pick(calibrated, draw));
          const double gain = speedup(pick(baseline, draw), pick(row_by_round, draw));
          return cap > 0 ? gain / cap : 0;
        });
  }
  return rows;
}

std::vector<Disturbance> round_disturbance(const SpeedupRuns& measured) {
  std::vector<Disturbance> rounds;
  const auto add = [&rounds](unsigned round, const Disturbance& disturbance) {
    if (rounds.size() <= round) rounds.resize(round + 1);
    rounds[round] += disturbance;
  };
  for (const SpeedupRun& run : measured.runs) add(run.repetition, run.disturbance);
  for (const CalibrationRun& run : measured.calibrations) add(run.repetition, run.disturbance);
  return rounds;
}

std::vector<unsigned> rounds_to_use(const std::vector<Disturbance>& rounds, double share) {
  std::vector<unsigned> quiet;
  std::vector<unsigned> all;
  for (unsigned round = 0; round < rounds.size(); ++round) {
    all.push_back(round);
    if (!rounds[round].disturbed(share)) quiet.push_back(round);
  }
  const std::size_t enough = std::min<std::size_t>(3, rounds.size());
  return quiet.size() >= enough ? quiet : all;
}

double widest_interval(const std::vector<SpeedupRow>& rows) {
  double widest = 0;
  for (const SpeedupRow& row : rows) {
    if (row.configuration.scheduler == kSequential) continue;
    widest = std::max(widest, row.speedup_interval.relative_half_width(row.speedup));
  }
  return widest;
}

SpeedupRuns measure_rounds(const std::vector<Configuration>& configurations,
                           const std::vector<unsigned>& calibration_processes,
                           const SpeedupSettings& settings,
                           const std::function<SpeedupRun(const Configuration&)>& render,
                           const std::function<double(unsigned processes)>& calibrate,
                           const std::function<void(unsigned rounds, double seconds)>& on_round) {
  SpeedupRuns measured;
  const auto started = std::chrono::steady_clock::now();
  const auto elapsed = [&started] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  const std::size_t items = configurations.size() + calibration_processes.size();
  for (unsigned round = 0; round < std::max(settings.most_rounds, 1U); ++round) {
    for (const std::size_t item : run_order(items, round)) {
      const DisturbanceMeter meter;
      if (item < configurations.size()) {
        SpeedupRun run = render(configurations[item]);
        run.disturbance = meter.stop();
        run.repetition = round;
        run.order = measured.runs.size() + measured.calibrations.size();
        measured.runs.push_back(std::move(run));
      } else {
        const unsigned processes = calibration_processes[item - configurations.size()];
        const double seconds = calibrate(processes);
        measured.calibrations.push_back(
            {.processes = processes,
             .repetition = round,
             .seconds = seconds,
             .order = measured.runs.size() + measured.calibrations.size(),
             .disturbance = meter.stop()});
      }
    }
    const unsigned rounds = round + 1;
    measured.seconds = elapsed();
    if (on_round) on_round(rounds, measured.seconds);
    if (rounds < settings.min_rounds) continue;
    if (settings.precision <= 0) break;
    const std::vector<unsigned> used =
        rounds_to_use(round_disturbance(measured), settings.disturbed_share);
    // Fewer rounds than kLeastRounds give intervals a bootstrap cannot be trusted with.
    if (used.size() >= kLeastRounds &&
        // The speedups' intervals only: the capacity's are not what decides.
        widest_interval(summarise(configurations, measured.runs, {}, used)) <= settings.precision) {
      break;
    }
    if (measured.seconds + measured.seconds / rounds > settings.max_seconds) break;
  }
  return measured;
}

std::pair<int, int> size_for(double target_seconds, int width, int height, double probe_seconds,
                             int probe_width, int probe_height, int most_side) {
  const double probe_pixels = static_cast<double>(probe_width) * probe_height;
  const double own_pixels = static_cast<double>(width) * height;
  if (probe_seconds <= 0 || probe_pixels <= 0) return {width, height};
  const double per_pixel = probe_seconds / probe_pixels;
  if (per_pixel * own_pixels >= target_seconds) return {width, height};
  // Scaled by the same factor both ways; up to the next multiple of 10 pixels a side.
  double scale = std::sqrt(target_seconds / (per_pixel * own_pixels));
  scale = std::min(
      {scale, static_cast<double>(most_side) / width, static_cast<double>(most_side) / height});
  const auto side = [most_side, scale](int own) {
    const int scaled = static_cast<int>(std::ceil(own * scale / 10.0)) * 10;
    return std::clamp(scaled, own, most_side);
  };
  return {side(width), side(height)};
}

std::string speedup_table(const SpeedupContext& context, const std::vector<SpeedupRow>& rows) {
  std::size_t name_width = std::string("scheduler").size();
  for (const SpeedupRow& row : rows) {
    name_width = std::max(name_width, row.configuration.scheduler.size());
  }
  const bool capacity = std::any_of(rows.begin(), rows.end(),
                                    [](const SpeedupRow& row) { return row.capacity.has_value(); });
  std::ostringstream out;
  out << "pygmy speedup: scene " << context.scene << ", " << context.width << "x" << context.height
      << (context.size_note.empty() ? "" : " (" + context.size_note + ")") << ", "
      << (context.band_rows ? std::to_string(*context.band_rows) + "-row bands"
                            : "default band rows")
      << ", median of " << context.repeat << (context.repeat == 1 ? " run" : " runs")
      << " each, interleaved\n"
      << "machine: " << context.machine << "; " << context.date
      << (context.commit.empty() ? "" : "; commit " + context.commit)
      << (context.label.empty() ? "" : "; " + context.label) << "\n";
  if (context.rounds > 0) {
    out << "rounds: " << context.rounds << ", " << context.disturbed << " disturbed (other work"
        << " above " << fixed(context.disturbed_share, 2) << " of a CPU); figures from "
        << (context.repeat == context.rounds ? "every round" : "the quiet ones")
        << "; 95% intervals; capacity: a compute-bound loop's speedup here, now\n";
  }
  char line[320];
  std::snprintf(line, sizeof line, "%-*s  %9s  %8s  %7s  %10s  %7s  %5s  %5s  %11s%s\n",
                static_cast<int>(name_width), "scheduler", "processes", "median s", "speedup",
                "efficiency", "CPU s", "forks", "bands", "95% speedup",
                capacity ? "  capacity  of capacity" : "");
  out << line;
  for (const SpeedupRow& row : rows) {
    const std::string interval =
        fixed(row.speedup_interval.low, 2) + "-" + fixed(row.speedup_interval.high, 2);
    std::string share;
    if (row.capacity) {
      char text[64];
      std::snprintf(text, sizeof text, "  %8.2f  %11.2f", *row.capacity, row.of_capacity.value());
      share = text;
    }
    std::snprintf(line, sizeof line,
                  "%-*s  %9u  %8.3f  %7.2f  %10.2f  %7.3f  %5.0f  %5zu  %11s%s\n",
                  static_cast<int>(name_width), row.configuration.scheduler.c_str(),
                  row.configuration.processes, row.seconds, row.speedup, row.efficiency,
                  row.cpu_seconds, row.forks, row.bands, interval.c_str(), share.c_str());
    out << line;
  }
  return out.str();
}

std::string speedup_warning(const SpeedupContext& context, const std::vector<SpeedupRow>& rows) {
  // The parallel row the reader most likely looks at: the most processes, the first scheduler.
  const SpeedupRow* shown = nullptr;
  for (const SpeedupRow& row : rows) {
    if (row.configuration.scheduler == kSequential) continue;
    if (shown == nullptr || row.configuration.processes > shown->configuration.processes) {
      shown = &row;
    }
  }
  const std::string example =
      shown == nullptr
          ? ""
          : "; speedup of " + shown->configuration.scheduler + " at " +
                std::to_string(shown->configuration.processes) + ": " + fixed(shown->speedup, 2) +
                "x ± " + fixed((shown->speedup_interval.high - shown->speedup_interval.low) / 2, 2);
  std::string warning;
  if (context.disturbed > 0) {
    warning += "the machine was busy: " + std::to_string(context.disturbed) + " of " +
               std::to_string(context.rounds) + " rounds disturbed (other work took " +
               fixed(context.other_share, 2) + " of a CPU on average)" +
               (context.repeat == context.rounds
                    ? ", too few quiet ones: the figures are the busy machine's"
                    : ", left out of the figures") +
               example + "\n";
  }
  const double widest = widest_interval(rows);
  if (context.precision > 0 && widest > context.precision) {
    warning += "the intervals are wider than asked: ±" + fixed(widest * 100, 1) + "% at worst, ±" +
               fixed(context.precision * 100, 1) + "% asked" +
               (context.disturbed > 0 ? "" : example) + " (more rounds: --max-time)\n";
  }
  return warning;
}

std::string speedup_json(const SpeedupContext& context, const SpeedupRuns& measured,
                         const std::vector<SpeedupRow>& rows) {
  using nlohmann::ordered_json;
  const auto interval = [](const Interval& i) { return ordered_json::array({i.low, i.high}); };
  const auto disturbance = [](const Disturbance& d) {
    return ordered_json{{"wall_seconds", d.wall_seconds},
                        {"other_cpu_seconds", d.other_cpu_seconds},
                        {"steal_seconds", d.steal_seconds},
                        {"other_share", d.other_share()},
                        {"steal_share", d.steal_share()}};
  };
  ordered_json document;
  document["scene"] = context.scene;
  document["width"] = context.width;
  document["height"] = context.height;
  document["size_note"] = context.size_note;
  document["repeat"] = context.repeat;
  document["rounds"] = context.rounds;
  document["disturbed_rounds"] = context.disturbed;
  document["disturbed_share"] = context.disturbed_share;
  document["precision"] = context.precision;
  document["widest_interval"] = widest_interval(rows);
  document["seconds"] = measured.seconds;
  document["band_rows"] = context.band_rows ? ordered_json(*context.band_rows) : ordered_json();
  document["machine"] = context.machine;
  document["cpus"] = context.cpus;
  document["date"] = context.date;
  document["commit"] = context.commit;
  document["label"] = context.label;
  const std::vector<Disturbance> per_round = round_disturbance(measured);
  const std::vector<unsigned> used = rounds_to_use(per_round, context.disturbed_share);
  ordered_json& rounds = document["round_disturbance"] = ordered_json::array();
  for (unsigned round = 0; round < per_round.size(); ++round) {
    ordered_json entry = disturbance(per_round[round]);
    entry["round"] = round;
    entry["disturbed"] = per_round[round].disturbed(context.disturbed_share);
    entry["used"] = std::find(used.begin(), used.end(), round) != used.end();
    rounds.push_back(entry);
  }
  ordered_json& all_runs = document["runs"] = ordered_json::array();
  for (const SpeedupRun& run : measured.runs) {
    all_runs.push_back(
        {{"scheduler", run.configuration.scheduler},
         {"processes", run.configuration.processes},
         {"repetition", run.repetition},
         {"order", run.order},
         {"seconds", run.seconds},
         {"cpu_seconds", run.cpu_seconds},
         {"minor_faults", run.minor_faults},
         {"forks", run.forks},
         {"bands", run.bands},
         {"band_rows", run.band_rows},
         {"workers", run.workers},
         {"segments", run.segments},
         {"segment_tests", run.segment_tests},
         {"segments_per_cpu_second", per_cpu_second(run.segments, run.cpu_seconds)},
         {"segment_tests_per_cpu_second", per_cpu_second(run.segment_tests, run.cpu_seconds)},
         {"disturbance", disturbance(run.disturbance)}});
  }
  ordered_json& calibrations = document["calibrations"] = ordered_json::array();
  for (const CalibrationRun& run : measured.calibrations) {
    calibrations.push_back({{"processes", run.processes},
                            {"repetition", run.repetition},
                            {"order", run.order},
                            {"seconds", run.seconds},
                            {"disturbance", disturbance(run.disturbance)}});
  }
  ordered_json& medians = document["medians"] = ordered_json::array();
  for (const SpeedupRow& row : rows) {
    ordered_json entry{{"scheduler", row.configuration.scheduler},
                       {"processes", row.configuration.processes},
                       {"runs", row.runs},
                       {"seconds", row.seconds},
                       {"seconds_interval", interval(row.seconds_interval)},
                       {"speedup", row.speedup},
                       {"speedup_interval", interval(row.speedup_interval)},
                       {"efficiency", row.efficiency},
                       {"cpu_seconds", row.cpu_seconds},
                       {"minor_faults", row.minor_faults},
                       {"forks", row.forks},
                       {"bands", row.bands}};
    if (row.capacity) {
      entry["capacity"] = *row.capacity;
      entry["capacity_interval"] = interval(row.capacity_interval);
      entry["of_capacity"] = row.of_capacity.value();
      entry["of_capacity_interval"] = interval(row.of_capacity_interval);
    }
    medians.push_back(entry);
  }
  return document.dump(2) + "\n";
}

SpeedupChart speedup_chart(const SpeedupContext& context, const std::vector<SpeedupRow>& rows) {
  SpeedupPanel panel{.title = context.scene + " " + std::to_string(context.width) + "x" +
                              std::to_string(context.height)};
  SpeedupLine capacity{.name = "capacity", .points = {{1, 1.0, std::nullopt}}, .capacity = true};
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
    const bool has_interval = row.speedup_interval.high > 0;
    line->points.push_back(
        {row.configuration.processes, row.speedup,
         has_interval ? std::optional<Interval>(row.speedup_interval) : std::nullopt});
    const bool new_count = std::none_of(
        capacity.points.begin(), capacity.points.end(),
        [&row](const SpeedupPoint& p) { return p.processes == row.configuration.processes; });
    if (row.capacity && new_count) {
      capacity.points.push_back(
          {row.configuration.processes, *row.capacity, row.capacity_interval});
    }
  }
  if (capacity.points.size() > 1) panel.lines.push_back(capacity);
  std::string rounds;
  if (context.rounds > 0) {
    rounds = "; " + std::to_string(context.rounds) + " rounds, " +
             std::to_string(context.disturbed) + " disturbed by other work" +
             (context.repeat == context.rounds ? "" : " (left out)") + "; bands: 95% intervals";
  }
  return {.title = "Speedup over the sequential render against processes",
          .panels = {panel},
          .caption = context.machine + "; " + context.date +
                     (context.commit.empty() ? "" : "; commit " + context.commit) +
                     (context.label.empty() ? "" : "; " + context.label) + "; median of " +
                     std::to_string(context.repeat) + (context.repeat == 1 ? " run" : " runs") +
                     " each" + rounds + " (pygmy speedup)",
          .cpus = context.cpus > 0 ? std::optional<unsigned>(context.cpus) : std::nullopt};
}

std::string utc_date(std::time_t when) {
  std::tm parts{};
  ::gmtime_r(&when, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace pygmy::measure
