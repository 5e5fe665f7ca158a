// `pygmy render`: renders a scene to a TIFF, its row bands shared out to processes.
#include "render_command.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "command_line.hpp"
#include "memory.hpp"
#include "mpi_render.hpp"
#include "progress.hpp"
#include "pygmy/scene.hpp"
#include "pygmy/tiff.hpp"
#include "resource_usage.hpp"
#include "signals.hpp"
#include "worker_map.hpp"

namespace pygmy::app {

namespace {

// "1 band per process", "6.5 bands per process", "13 bands per thread": a whole number is
// written without decimals.
std::string bands_per_worker(std::size_t bands, std::size_t workers, const std::string& worker) {
  const std::size_t among = std::max<std::size_t>(workers, 1);
  char share[32];
  if (bands % among == 0) {
    std::snprintf(share, sizeof share, "%zu", bands / among);
  } else {
    std::snprintf(share, sizeof share, "%.1f",
                  static_cast<double>(bands) / static_cast<double>(among));
  }
  return std::string(share) + (bands == among ? " band per " : " bands per ") + worker;
}

// Whether two names given for files to write name the same file.
bool same_file(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  std::error_code ignored;
  return fs::weakly_canonical(fs::absolute(a, ignored), ignored) ==
         fs::weakly_canonical(fs::absolute(b, ignored), ignored);
}

}  // namespace

TiffOptions::Compression compression_named(const std::string& name) {
  if (name == "deflate") {
    return TiffOptions::Compression::deflate;
  }
  if (name == "lzw") {
    return TiffOptions::Compression::lzw;
  }
  return TiffOptions::Compression::none;
}

void commit_holding_signals(TiffOutput& output, const Image& image) {
  // Only a rename needs the signals held: a device or FIFO is written in place, and Ctrl-C must
  // still end a command whose FIFO nobody reads.
  std::optional<SignalsHeld> held;
  if (!output.in_place()) {
    held.emplace();
  }
  output.commit(image);
}

void check_before_rendering(const RenderOptions& options) {
  // SOURCE_DATE_EPOCH sets the TIFF's DateTime: a bad value is a usage error, found before
  // rendering rather than when the finished image is written.
  try {
    static_cast<void>(source_date_epoch());
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  if (!options.worker_map.empty() && same_file(options.worker_map, options.output)) {
    throw UsageError("--worker-map: expected another file than the output, got '" +
                     options.worker_map + "'");
  }
}

CLI::App* add_render_command(CLI::App& app, RenderOptions& options) {
  std::string schedulers;
  std::vector<std::string> scheduler_names;
  for (const schedulers::Scheduler& s : schedulers::all_schedulers()) {
    schedulers += "\n  " + std::string(s.name) + ": " + std::string(s.summary);
    scheduler_names.emplace_back(s.name);
  }
  schedulers += "\n  " + std::string(kMpiScheduler) + ": " + std::string(kMpiSummary);
  scheduler_names.emplace_back(kMpiScheduler);

  CLI::App* render = app.add_subcommand("render", "Render a scene to an RGB TIFF file");
  render->add_option(
      "scene", options.scene_file,
      "Scene file (JSON, see scenes/README.md); the built-in PyGmy scene if omitted");
  render->add_option("-o,--output", options.output, "TIFF file to write")
      ->capture_default_str()
      ->check(output_problem);
  render->add_option("-j,--jobs", options.jobs, "Processes (or threads) at once")
      ->capture_default_str()
      ->check(CLI::Range(1U, 4096U));
  render
      ->add_option("--band-rows", options.band_rows,
                   "Rows in each band of work (default: chosen from the image and -j)")
      ->check(CLI::Range(1, 1 << 20));
  render->add_option("--scheduler", options.scheduler, "Who renders which band:" + schedulers)
      ->capture_default_str()
      ->check(CLI::IsMember(scheduler_names));
  render->add_option("--seed", options.seed, "Seed of the ambient occlusion noise")
      ->check(seed_problem)
      ->transform(without_leading_zeros);
  render->add_option("--size", options.size, "Image size WIDTHxHEIGHT, e.g. 1920x1080")
      ->check(size_problem);
  render->add_option("--compression", options.compression, "TIFF compression")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "deflate", "lzw"}));
  render->add_option("--bits", options.bits, "Bits per sample")
      ->capture_default_str()
      ->check(CLI::IsMember({8, 16}));
  render
      ->add_option("--band-timeout", options.band_timeout,
                   "Seconds after which a band still running is ended and rendered again "
                   "(default: 20 times the median band so far, at least 30)")
      ->check(CLI::PositiveNumber);
  render->add_flag("-q,--quiet", options.quiet, "No progress bar and no summary line");
  render
      ->add_option("--worker-map", options.worker_map,
                   "Also write a TIFF picturing which worker rendered which band: a colour per "
                   "worker, a darker line on each band's first row")
      ->check(output_problem);
  render->footer(
      "Examples:\n"
      "  pygmy render                              the built-in scene to test.tif, all CPUs\n"
      "  pygmy render scenes/showcase.json -j 4    a scene file with 4 processes\n"
      "  pygmy render --scheduler threads -j 2     the thread-pool baseline\n"
      "  pygmy render --size 1200x800 -o big.tif --compression deflate\n"
      "  pygmy render -j 4 --worker-map map.tif    which of the 4 processes rendered which band\n"
      "  mpirun -n 4 pygmy render --scheduler mpi  4 MPI ranks (docs/cluster.md)\n"
      "Output: written to .NAME.pygmy-PID.tmp beside it, then renamed; a file replaced keeps its\n"
      "permission bits, a read-only one is refused. A symbolic link is written through to its\n"
      "target; a device or FIFO (/dev/null) is written in place. Past 4 GiB it is a BigTIFF.\n"
      "An image larger than the memory available is refused before rendering.\n"
      "Signals: INT, TERM, HUP, QUIT, USR1, USR2, ALRM and XCPU remove the temporary and end the\n"
      "command; one ignored at start (nohup) stays ignored. A killed render's temporary is\n"
      "removed by the next render of the same file.\n"
      "Summary: the output, size, scene, processes (scheduler), bands, seconds, CPU seconds (user\n"
      "and system, workers included), processes forked, and bands each worker rendered.\n"
      "SOURCE_DATE_EPOCH: the TIFF's DateTime, in seconds from 0 to 253402300799.\n"
      "Exit status: 0 rendered, 1 render or file error, 2 usage error.");
  return render;
}

int run_render(const RenderOptions& options) {
  if (options.scheduler == kMpiScheduler) {
    return run_mpi_render(options);
  }
  check_before_rendering(options);

  Scene scene = scene_for(options.scene_file, options.size);
  if (options.seed) {
    scene = with_seed(std::move(scene), *options.seed);
  }

  ProgressBar bar(!options.quiet && ProgressBar::stderr_is_terminal());
  schedulers::RenderPlan plan;
  plan.scheduler = options.scheduler;
  plan.processes = options.jobs;
  plan.band_rows = options.band_rows;
  if (options.band_timeout) {
    plan.band_timeout = std::chrono::milliseconds(
        std::max<long long>(1, std::llround(*options.band_timeout * 1000)));
  }
  plan.progress = [&bar](int done, int total) { bar.update(done, total); };
  const unsigned processes = schedulers::workers_for(plan);
  const int band_rows = schedulers::band_rows_for(scene, plan);
  const std::size_t bands = split_rows(scene.height, band_rows).size();
  std::ostringstream description;
  description << "scene=" << scene.name << " seed=" << scene.seed << " bands=" << bands
              << " band_rows=" << band_rows << " processes=" << processes
              << " scheduler=" << options.scheduler;
  // The shared scheduler's framebuffer is a second copy of the image, the worker map a third.
  const int copies = (options.scheduler == "shared" ? 2 : 1) + (options.worker_map.empty() ? 0 : 1);
  if (const std::string problem =
          memory_problem(scene.width, scene.height, copies, memory_limits());
      !problem.empty()) {
    throw std::runtime_error(problem);
  }
  // Opened before rendering, so that an unusable output path fails at once, not after the render.
  TiffOutput output(options.output, {.compression = compression_named(options.compression),
                                     .bits_per_sample = options.bits,
                                     .software = "pygmy " PYGMY_VERSION,
                                     .description = description.str()});
  std::optional<TiffOutput> map_output;
  if (!options.worker_map.empty()) {
    map_output.emplace(options.worker_map,
                       TiffOptions{.compression = TiffOptions::Compression::deflate,
                                   .software = "pygmy " PYGMY_VERSION,
                                   .description = "worker map: " + description.str()});
  }
  std::vector<std::filesystem::path> temporaries{output.temporary_path()};
  if (map_output) {
    temporaries.push_back(map_output->temporary_path());
  }
  const RemoveOnSignal remove_on_signal(std::move(temporaries));

  const ResourceUsage before = resource_usage();
  const auto started = std::chrono::steady_clock::now();
  const schedulers::Rendered rendered = schedulers::render(scene, plan);
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - started;
  const double cpu = (resource_usage() - before).cpu_seconds;
  bar.clear();

  commit_holding_signals(output, rendered.image);
  if (map_output) {
    commit_holding_signals(
        *map_output, worker_map(scene.width, scene.height, split_rows(scene.height, band_rows),
                                rendered.stats.band_worker));
  }
  if (const std::optional<unsigned> allowed = rendered.stats.processes_allowed) {
    std::fprintf(stderr,
                 "pygmy: warning: the system allowed %u of the %u processes asked for (out of "
                 "processes or descriptors); the render went on with those\n",
                 *allowed, processes);
  }
  if (!options.quiet) {
    const schedulers::RenderStats& stats = rendered.stats;
    const bool threads =
        schedulers::scheduler_named(options.scheduler).workers == schedulers::Workers::threads;
    const std::string workers = threads ? count_of(processes, "thread", "threads")
                                        : count_of(processes, "process", "processes");
    std::printf("pygmy: %s %dx%d, scene %s, %s (%s), %s of %d rows, %.3f s, CPU %.3f s",
                options.output.c_str(), scene.width, scene.height, scene.name.c_str(),
                workers.c_str(), options.scheduler.c_str(),
                count_of(bands, "band", "bands").c_str(), band_rows, seconds.count(), cpu);
    std::printf(
        ", %s, %s\n", count_of(stats.forks, "fork", "forks").c_str(),
        bands_per_worker(stats.bands, stats.workers, threads ? "thread" : "process").c_str());
  }
  return 0;
}

}  // namespace pygmy::app
