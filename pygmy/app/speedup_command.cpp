// `pygmy speedup`: renders a scene with each scheduler at each process count, a few times each,
// interleaved, and shows the speedup over the sequential render as a table, JSON and a chart.
#include "speedup_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "command_line.hpp"
#include "memory.hpp"
#include "pprocess/cores.hpp"
#include "progress.hpp"
#include "pygmy/measure/machine.hpp"
#include "pygmy/measure/speedup.hpp"
#include "pygmy/measure/speedup_chart.hpp"
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
          .workers = stats.workers};
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
  speedup->add_option("--size", options.size, "Image size WIDTHxHEIGHT, e.g. 1920x1080")
      ->check(size_problem);
  speedup
      ->add_option("-j,--jobs", options.jobs,
                   "Process counts, e.g. 1,2,4 (default: 1 to the CPUs available, " +
                       std::to_string(pprocess::available_cpus()) + " here)")
      ->check(problem_of(measure::parse_process_list));
  speedup
      ->add_option("--schedulers", options.schedulers,
                   "Schedulers measured beside sequential, e.g. pool,exchange")
      ->capture_default_str()
      ->check(problem_of(scheduler_list));
  speedup->add_option("--repeat", options.repeat, "Runs of each configuration (the median counts)")
      ->capture_default_str()
      ->check(CLI::Range(1U, 1000U));
  speedup
      ->add_option("--band-rows", options.band_rows,
                   "Rows in each band of work (default: each scheduler's own)")
      ->check(CLI::Range(1, 1 << 20));
  speedup->add_option("--svg", options.svg, "Write a chart of speedup against processes")
      ->check(output_problem);
  speedup->add_option("--json", options.json, "Write every run and the medians as JSON")
      ->check(output_problem);
  speedup->add_option("--label", options.label,
                      "Text for the caption and the JSON, e.g. the commit measured");
  speedup->add_flag("-q,--quiet", options.quiet, "No progress bar and no table");
  speedup->footer(
      "Each round renders every configuration once, in a shuffled order, so that a slow minute\n"
      "of a busy machine spreads over all of them; the table shows medians. CPU s is user and\n"
      "system time of the command and its workers; nothing is written but --svg and --json.\n"
      "Examples:\n"
      "  pygmy speedup                                  pool, exchange, threads at 1 to all CPUs\n"
      "  pygmy speedup --size 1500x1000 -j 1,2,4 --svg speedup.svg\n"
      "  pygmy speedup scenes/showcase.json --schedulers pool,reuse --repeat 5 --json runs.json\n"
      "Exit status: 0 measured, 1 render or file error, 2 usage error.");
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
  const std::vector<std::string> names = scheduler_list(options.schedulers);
  const std::vector<measure::Configuration> measured = measure::configurations(names, processes);

  const Scene scene = scene_for(options.scene_file, options.size);
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

  const std::size_t total = measured.size() * options.repeat;
  ProgressBar bar(!options.quiet && ProgressBar::stderr_is_terminal(), "runs");
  std::vector<measure::SpeedupRun> runs;
  runs.reserve(total);
  for (unsigned repetition = 0; repetition < options.repeat; ++repetition) {
    for (const std::size_t index : measure::run_order(measured.size(), repetition)) {
      measure::SpeedupRun run = run_once(scene, measured[index], options.band_rows);
      run.repetition = repetition;
      run.order = runs.size();
      runs.push_back(run);
      bar.update(static_cast<int>(runs.size()), static_cast<int>(total));
    }
  }
  bar.clear();

  const measure::SpeedupContext context{.scene = scene.name,
                                        .width = scene.width,
                                        .height = scene.height,
                                        .repeat = options.repeat,
                                        .band_rows = options.band_rows,
                                        .machine = measure::machine_description(),
                                        .date = date,
                                        .commit = PYGMY_COMMIT,
                                        .label = options.label};
  const std::vector<measure::SpeedupRow> rows = measure::summarise(measured, runs);
  if (!options.quiet) {
    std::fputs(measure::speedup_table(context, rows).c_str(), stdout);
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
