// `pygmy speedup`: renders a scene with each scheduler at each process count, a few times each,
// interleaved, and shows the speedup over the sequential render as a table, JSON and a chart.
#include "speedup_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include "command_line.hpp"
#include "memory.hpp"
#include "pprocess/cores.hpp"
#include "progress.hpp"
#include "pygmy/measure/capacity.hpp"
#include "pygmy/measure/machine.hpp"
#include "pygmy/measure/speedup.hpp"
#include "pygmy/measure/speedup_chart.hpp"
#include "pygmy/scene_file.hpp"
#include "pygmy/schedulers.hpp"
#include "pygmy/tiff.hpp"
#include "pygmy_commit.hpp"  // generated: PYGMY_COMMIT

namespace pygmy::app {

namespace {

// A CLI11 check made of a parser that throws std::invalid_argument.
template <class Parse>
std::function<std::string(const std::string&)> problem_of(Parse parse) {
  return [parse](const std::string& text) -> std::string {
    try {
      static_cast<void>(parse(text));
      return "";
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
  };
}

// Renders `scene` once as `configuration` says, and what it cost.
measure::SpeedupRun run_once(const Scene& scene, const measure::Configuration& configuration,
                             std::optional<int> band_rows) {
  schedulers::RenderPlan plan;
  plan.scheduler = configuration.scheduler;
  plan.processes = configuration.processes;
  plan.band_rows = band_rows;
  const schedulers::Rendered rendered = schedulers::render(scene, plan);
  const schedulers::RenderStats& stats = rendered.stats;
  return {.configuration = configuration,
          .seconds = stats.seconds,
          .cpu_seconds = stats.cpu_seconds,
          .minor_faults = stats.minor_faults,
          .forks = stats.forks,
          .bands = stats.bands,
          .band_rows = stats.band_rows,
          .workers = stats.workers,
          .segments = stats.counters.segments,
          .segment_tests = stats.counters.segment_tests};
}

// Throws, naming `file`, when the directory it would be written to does not exist: found before
// measuring for minutes, not after.
void expect_directory_of(const std::string& file) {
  const std::filesystem::path directory = std::filesystem::path(file).parent_path();
  std::error_code ignored;
  if (!std::filesystem::is_directory(directory.empty() ? "." : directory, ignored)) {
    throw std::runtime_error(file + ": no directory " + directory.string());
  }
}

// The schedulers `pygmy speedup` can measure: those that render in this process's command (not
// mpi, whose ranks mpirun starts: bench/mpi_speedup.sh measures it).
std::vector<std::string> measurable_schedulers() {
  std::vector<std::string> names;
  for (const schedulers::Scheduler& scheduler : schedulers::all_schedulers()) {
    if (scheduler.renders_here()) names.emplace_back(scheduler.name);
  }
  return names;
}

std::vector<std::string> scheduler_list(const std::string& text) {
  return measure::parse_scheduler_list(text, measurable_schedulers());
}

// The schedulers measured when none are named: the project's forked ones, the thread pool, and
// the peers people know (OpenMP, oneTBB) when this build has them.
std::string default_schedulers() {
  const std::vector<std::string> known = measurable_schedulers();
  std::string list;
  for (const std::string_view name : {"pool", "exchange", "threads", "openmp", "tbb"}) {
    if (std::find(known.begin(), known.end(), name) != known.end()) {
      list += (list.empty() ? "" : ",") + std::string(name);
    }
  }
  return list;
}

// The seconds a sequential render should take at the size the command chooses: long enough that
// a fork, a page fault or a timer tick is a small share of it.
constexpr double kTargetSeconds = 0.5;

// The size to measure `scene` at when none is given: its own, or larger until a sequential
// render takes about kTargetSeconds here, found from a short render of a small copy (the faster
// of two). Returns the size and a note saying so.
std::pair<Scene, std::string> scene_to_measure(const Scene& scene) {
  const double shrink =
      std::min(1.0, std::sqrt(20'000.0 / (static_cast<double>(scene.width) * scene.height)));
  const int probe_width = std::max(1, static_cast<int>(scene.width * shrink));
  const int probe_height = std::max(1, static_cast<int>(scene.height * shrink));
  const Scene probe = with_size(scene, probe_width, probe_height);
  double probe_seconds = 0;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const double seconds = schedulers::render(probe, {.scheduler = "sequential"}).stats.seconds;
    probe_seconds = attempt == 0 ? seconds : std::min(probe_seconds, seconds);
  }
  const auto [width, height] =
      measure::size_for(kTargetSeconds, scene.width, scene.height, probe_seconds, probe_width,
                        probe_height, kMaxImageSide);
  if (width == scene.width && height == scene.height) return {scene, ""};
  char note[160];
  std::snprintf(note, sizeof note,
                "chosen: a sequential render takes about %.1f s here; --size to choose",
                kTargetSeconds);
  return {with_size(scene, width, height), note};
}

// A CLI11 check of a decimal number from `least` to `most` (nan and inf are not).
std::function<std::string(const std::string&)> finite_from(double least, double most) {
  return [least, most](const std::string& text) -> std::string {
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value) ||
        value < least || value > most) {
      char range[64];
      std::snprintf(range, sizeof range, "%g to %g", least, most);
      return "expected a number from " + std::string(range) + ", got '" + text + "'";
    }
    return "";
  };
}

// Writes `text` to `file` through a temporary beside it, renamed over it once complete.
void write_text(const std::string& file, const std::string& text) {
  const std::filesystem::path path(file);
  const std::filesystem::path temporary =
      path.parent_path() /
      ("." + path.filename().string() + ".pygmy-" + std::to_string(::getpid()) + ".tmp");
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw std::runtime_error(file + ": cannot write it");
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    throw std::runtime_error(file + ": cannot write it");
  }
}

// Now, or the moment SOURCE_DATE_EPOCH names, in UTC.
std::string date_now() {
  try {
    const std::optional<std::int64_t> epoch = source_date_epoch();
    return measure::utc_date(epoch ? static_cast<std::time_t>(*epoch) : std::time(nullptr));
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
}

}  // namespace

CLI::App* add_speedup_command(CLI::App& app, SpeedupOptions& options) {
  CLI::App* speedup = app.add_subcommand(
      "speedup", "Measure the speedup of each scheduler over the sequential render");
  speedup->add_option(
      "scene", options.scene_file,
      "Scene file (JSON, see scenes/README.md); the built-in PyGmy scene if omitted");
  speedup
      ->add_option("--size", options.size,
                   "Image size WIDTHxHEIGHT (default: the scene's own, or larger until a "
                   "sequential render takes about half a second here)")
      ->check(size_problem);
  speedup
      ->add_option("-j,--jobs", options.jobs,
                   "Process counts, e.g. 1,2,4 (default: 1 to the CPUs available, " +
                       std::to_string(pprocess::available_cpus()) + " here)")
      ->check(problem_of(measure::parse_process_list));
  speedup
      ->add_option("--schedulers", options.schedulers,
                   "Schedulers measured beside sequential, e.g. pool,exchange (default: " +
                       default_schedulers() + ")")
      ->check(problem_of(scheduler_list));
  speedup
      ->add_option("--repeat", options.repeat,
                   "Rounds at least, each rendering every configuration once")
      ->capture_default_str()
      ->transform(decimal())
      ->check(CLI::Range(1U, 1000U));
  speedup
      ->add_option("--precision", options.precision,
                   "Per cent: after --repeat rounds, go on until every speedup's 95% interval is "
                   "within ± this (0: stop after --repeat rounds)")
      ->capture_default_str()
      ->check(finite_from(0, 100));
  speedup
      ->add_option("--max-time", options.max_time,
                   "Seconds: start no round that would end past this (the first --repeat rounds "
                   "always run)")
      ->capture_default_str()
      ->check(finite_from(0, 86400));
  speedup
      ->add_option("--band-rows", options.band_rows,
                   "Rows in each band of work (default: each scheduler's own)")
      ->transform(decimal())
      ->check(CLI::Range(1, 1 << 20));
  speedup->add_option("--svg", options.svg, "Write a chart of speedup against processes")
      ->check(output_problem);
  speedup->add_option("--json", options.json, "Write every run and the medians as JSON")
      ->check(output_problem);
  speedup->add_option("--label", options.label,
                      "Text for the caption and the JSON, e.g. the commit measured");
  speedup->add_flag("-q,--quiet", options.quiet, "No progress and no table (warnings stay)");
  speedup->footer(
      "Each round renders every configuration once, and times a compute-bound loop on 1 and on\n"
      "each count of processes, in a shuffled order. The loop's speedup is the machine's capacity\n"
      "now (SMT siblings, a throttled host or a CPU quota show there); 'of capacity' is a\n"
      "scheduler's speedup over it. A round in which other work took more than a tenth of a CPU\n"
      "(from /proc/stat, less this command's own time, steal included) is disturbed: with three\n"
      "quiet rounds or more, only the quiet ones count, and stderr says how busy the machine\n"
      "was. Medians, with 95% bootstrap intervals; CPU s is user and system time of the command\n"
      "and its workers. Nothing is written but --svg and --json.\n"
      "Examples:\n"
      "  pygmy speedup                          pool, exchange, threads (openmp, tbb) at 1 to all "
      "CPUs\n"
      "  pygmy speedup --size 1500x1000 -j 1,2,4 --svg speedup.svg\n"
      "  pygmy speedup scenes/showcase.json --schedulers pool,reuse --precision 2 --json "
      "runs.json\n"
      "  pygmy speedup --repeat 5 --precision 0    exactly five rounds\n"
      "Exit status: 0 measured (however busy the machine was), 1 render or file error, 2 usage\n"
      "error.");
  return speedup;
}

int run_speedup(const SpeedupOptions& options) {
  const std::string date = date_now();
  std::vector<unsigned> processes;
  if (options.jobs.empty()) {
    for (unsigned count = 1; count <= pprocess::available_cpus(); ++count) {
      processes.push_back(count);
    }
  } else {
    processes = measure::parse_process_list(options.jobs);
  }
  const std::vector<std::string> names =
      scheduler_list(options.schedulers.empty() ? default_schedulers() : options.schedulers);
  const std::vector<measure::Configuration> measured = measure::configurations(names, processes);

  Scene scene = scene_for(options.scene_file, options.size);
  std::string size_note;
  if (options.size.empty()) {
    std::tie(scene, size_note) = scene_to_measure(scene);
    if (!size_note.empty() && !options.quiet) {
      std::fprintf(stderr,
                   "pygmy: measuring at %dx%d, at which a sequential render takes about "
                   "%.1f s here (--size to choose)\n",
                   scene.width, scene.height, kTargetSeconds);
    }
  }
  // The shared scheduler's framebuffer is a second copy of the image.
  const bool shared = std::find(names.begin(), names.end(), "shared") != names.end();
  if (const std::string problem =
          memory_problem(scene.width, scene.height, shared ? 2 : 1, memory_limits());
      !problem.empty()) {
    throw std::runtime_error(problem);
  }
  for (const std::string& file : {options.svg, options.json}) {
    if (!file.empty()) {
      expect_directory_of(file);
    }
  }

  // The calibration loop: at each count of processes, and on 1 (capacity's baseline); about a
  // fifth of the sequential render's time on one thread.
  std::vector<unsigned> calibrated = processes;
  if (std::find(calibrated.begin(), calibrated.end(), 1U) == calibrated.end()) {
    calibrated.insert(calibrated.begin(), 1U);
  }
  const std::uint64_t work = measure::calibration_work(0.1);

  const measure::SpeedupSettings settings{.min_rounds = options.repeat,
                                          .precision = options.precision / 100,
                                          .max_seconds = options.max_time};
  ProgressBar progress(!options.quiet, "rounds");
  const measure::SpeedupRuns runs = measure::measure_rounds(
      measured, calibrated, settings,
      [&](const measure::Configuration& configuration) {
        return run_once(scene, configuration, options.band_rows);
      },
      [work](unsigned count) { return measure::calibration_seconds(count, work); },
      [&](unsigned rounds, double seconds) {
        // The rounds to expect: those asked for, then as many as the time allows (the precision
        // may end it sooner).
        unsigned expected = options.repeat;
        if (options.precision > 0 && rounds >= options.repeat) {
          const double per_round = seconds / rounds;
          expected = std::max(rounds + 1, static_cast<unsigned>(options.max_time / per_round));
        }
        progress.update(static_cast<int>(rounds), static_cast<int>(std::max(expected, rounds)));
      });
  progress.clear();

  const std::vector<measure::Disturbance> per_round = measure::round_disturbance(runs);
  const std::vector<unsigned> used = measure::rounds_to_use(per_round);
  measure::Disturbance all;
  unsigned disturbed = 0;
  for (const measure::Disturbance& round : per_round) {
    all += round;
    disturbed += round.disturbed() ? 1 : 0;
  }
  const measure::SpeedupContext context{.scene = scene.name,
                                        .width = scene.width,
                                        .height = scene.height,
                                        .repeat = static_cast<unsigned>(used.size()),
                                        .band_rows = options.band_rows,
                                        .size_note = size_note,
                                        .rounds = static_cast<unsigned>(per_round.size()),
                                        .disturbed = disturbed,
                                        .other_share = all.other_share(),
                                        .precision = options.precision / 100,
                                        .cpus = pprocess::available_cpus(),
                                        .machine = measure::machine_description(),
                                        .date = date,
                                        .commit = PYGMY_COMMIT,
                                        .label = options.label};
  const std::vector<measure::SpeedupRow> rows =
      measure::summarise(measured, runs.runs, runs.calibrations, used);
  if (!options.quiet) {
    std::fputs(measure::speedup_table(context, rows).c_str(), stdout);
  }
  if (const std::string warning = measure::speedup_warning(context, rows); !warning.empty()) {
    std::istringstream lines(warning);
    for (std::string line; std::getline(lines, line);) {
      std::fprintf(stderr, "pygmy: %s\n", line.c_str());
    }
  }
  if (!options.json.empty()) {
    write_text(options.json, measure::speedup_json(context, runs, rows));
  }
  if (!options.svg.empty()) {
    write_text(options.svg, measure::speedup_svg(measure::speedup_chart(context, rows)));
  }
  return 0;
}

}  // namespace pygmy::app
