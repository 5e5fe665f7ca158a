// `pygmy render`: renders a scene to a TIFF, its row bands shared out to processes.
#include "render_command.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "background.hpp"
#include "command_line.hpp"
#include "memory.hpp"
#include "mpi_render.hpp"
#include "pprocess/persistent.hpp"
#include "progress.hpp"
#include "pygmy/scene.hpp"
#include "pygmy/tiff.hpp"
#include "render_summary.hpp"
#include "resource_usage.hpp"
#include "signals.hpp"
#include "worker_map.hpp"

namespace pygmy::app {

namespace {

// Whether two names given for files to write name the same file.
bool same_file(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  std::error_code ignored;
  return fs::weakly_canonical(fs::absolute(a, ignored), ignored) ==
         fs::weakly_canonical(fs::absolute(b, ignored), ignored);
}

}  // namespace

void commit_holding_signals(TiffOutput& output, const Image& image) {
  // Only a rename needs the signals held: a device or FIFO is written in place, and Ctrl-C must
  // still end a command whose FIFO nobody reads.
  std::optional<SignalsHeld> held;
  if (!output.in_place()) {
    held.emplace();
  }
  output.commit(image);
}

namespace {

// The scene `options` name, at their size and seed.
Scene scene_of(const RenderOptions& options) {
  Scene scene = scene_for(options.scene_file, options.size);
  if (options.seed) {
    scene = with_seed(std::move(scene), *options.seed);
  }
  return scene;
}

// The plan a render by `options` follows, without progress. Its scheduler names
// options.scheduler: `options` must outlive it.
schedulers::RenderPlan plan_for(const RenderOptions& options) {
  schedulers::RenderPlan plan;
  plan.scheduler = options.scheduler;
  plan.processes = options.jobs;
  plan.band_rows = options.band_rows;
  if (options.band_timeout) {
    plan.band_timeout = std::chrono::milliseconds(
        std::max<long long>(1, std::llround(*options.band_timeout * 1000)));
  }
  return plan;
}

// What a render by `options` will be, known before it starts.
struct RenderFacts {
  unsigned processes = 0;
  int band_rows = 0;
  std::size_t bands = 0;
  std::string description;  // the TIFF's ImageDescription
};

RenderFacts facts_of(const Scene& scene, const RenderOptions& options) {
  const schedulers::RenderPlan plan = plan_for(options);
  RenderFacts facts;
  facts.processes = schedulers::workers_for(plan);
  facts.band_rows = schedulers::band_rows_for(scene, plan);
  facts.bands = split_rows(scene.height, facts.band_rows).size();
  std::ostringstream description;
  description << "scene=" << scene.name << " seed=" << scene.seed << " bands=" << facts.bands
              << " band_rows=" << facts.band_rows << " processes=" << facts.processes
              << " scheduler=" << options.scheduler;
  facts.description = description.str();
  return facts;
}

// Refuses, before anything starts, an image whose copies (`copies` of it at once: the shared
// scheduler's framebuffer, a worker map) would not fit the memory available.
void check_memory(const Scene& scene, int copies) {
  if (const std::string problem =
          memory_problem(scene.width, scene.height, copies, memory_limits());
      !problem.empty()) {
    throw std::runtime_error(problem);
  }
}

// A finished render and its summary.
struct Measured {
  schedulers::Rendered rendered;
  RenderSummary summary;
};

// Renders `scene` as `options` say, `progress` told of the rows done as bands arrive; measures
// its seconds and CPU time (workers included).
Measured render_measured(const Scene& scene, const RenderOptions& options, const RenderFacts& facts,
                         std::function<void(int, int)> progress) {
  schedulers::RenderPlan plan = plan_for(options);
  plan.progress = std::move(progress);
  const ResourceUsage before = resource_usage();
  const auto started = std::chrono::steady_clock::now();
  schedulers::Rendered rendered = schedulers::render(scene, plan);
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - started;
  const schedulers::RenderStats& stats = rendered.stats;
  RenderSummary summary{.scene = scene.name,
                        .width = scene.width,
                        .height = scene.height,
                        .scheduler = options.scheduler,
                        .processes = facts.processes,
                        .bands = facts.bands,
                        .band_rows = facts.band_rows,
                        .seconds = seconds.count(),
                        .cpu_seconds = (resource_usage() - before).cpu_seconds,
                        .forks = stats.forks,
                        .bands_done = stats.bands,
                        .workers = stats.workers,
                        .processes_allowed = stats.processes_allowed};
  return {std::move(rendered), std::move(summary)};
}

// The background process's work: renders, sending its progress, then the image and the end
// (see BackgroundMessage).
void render_in_background(pprocess::Channel& channel, const Scene& scene,
                          const RenderOptions& options) {
  const RenderFacts facts = facts_of(scene, options);
  Measured measured = render_measured(scene, options, facts, [&channel](int done, int total) {
    channel.send(BackgroundMessage{BackgroundProgress{done, total}});
  });
  const Image& image = measured.rendered.image;
  channel.send(BackgroundMessage{BackgroundImage{
      .summary = std::move(measured.summary),
      .description = facts.description,
      .width = image.width(),
      .height = image.height(),
      .pixels = std::vector<std::uint8_t>(image.pixels().begin(), image.pixels().end())}});
  channel.send(BackgroundMessage{BackgroundEnd{}});
}

// `pygmy render --background`: checks as a render here does, starts the background process and
// prints where it serves and its id.
int start_background_render(const RenderOptions& options) {
  const Scene scene = scene_of(options);
  check_memory(scene, options.scheduler == "shared" ? 2 : 1);
  const std::uint64_t bytes = std::uint64_t{3} * static_cast<std::uint64_t>(scene.width) *
                              static_cast<std::uint64_t>(scene.height);
  if (bytes > kMostBackgroundImageBytes) {
    throw std::runtime_error("--background: the image's " + std::to_string(bytes) +
                             " bytes of pixels exceed the " +
                             std::to_string(kMostBackgroundImageBytes) +
                             " a background render can send; render it without --background");
  }
  // The record of an earlier render at this address, collected, is not this render's.
  std::error_code ignored;
  std::filesystem::remove(collected_marker(options.background), ignored);
  pid_t pid = 0;
  try {
    pprocess::Channel connection =
        pprocess::start_persistent(options.background, render_in_background, scene, options);
    pid = connection.pid();
    connection.close();  // the render is collected later, by `pygmy collect`
  } catch (const std::system_error& e) {
    struct stat there {};
    if (e.code() == std::errc::address_in_use && ::lstat(options.background.c_str(), &there) == 0) {
      throw std::runtime_error(S_ISSOCK(there.st_mode)
                                   ? "a process already serves at '" + options.background +
                                         "' (a render not yet collected? 'pygmy collect " +
                                         options.background + "')"
                                   : "'" + options.background + "' exists and is not a socket");
    }
    throw;
  }
  std::printf("address: %s\npid: %d\n", options.background.c_str(), static_cast<int>(pid));
  if (!options.quiet) {
    std::fprintf(stderr,
                 "pygmy: rendering %dx%d in the background; 'pygmy collect %s' writes the TIFF\n",
                 scene.width, scene.height, options.background.c_str());
  }
  return 0;
}

}  // namespace

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
  CLI::Option* output = render->add_option("-o,--output", options.output, "TIFF file to write")
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
  CLI::Option* compression =
      render->add_option("--compression", options.compression, "TIFF compression")
          ->capture_default_str()
          ->check(CLI::IsMember({"none", "deflate", "lzw"}));
  CLI::Option* bits = render->add_option("--bits", options.bits, "Bits per sample")
                          ->capture_default_str()
                          ->check(CLI::IsMember({8, 16}));
  render
      ->add_option("--band-timeout", options.band_timeout,
                   "Seconds after which a band still running is ended and rendered again "
                   "(default: 20 times the median band so far, at least 30)")
      ->check(CLI::PositiveNumber);
  render->add_flag("-q,--quiet", options.quiet, "No progress bar and no summary line");
  CLI::Option* worker_map =
      render
          ->add_option("--worker-map", options.worker_map,
                       "Also write a TIFF picturing which worker rendered which band: a colour per "
                       "worker, a darker line on each band's first row")
          ->check(output_problem);
  render
      ->add_option("--background", options.background,
                   "Render in a background process serving at this UNIX socket path, print the "
                   "address and the process's id, and return at once; 'pygmy collect ADDRESS' "
                   "shows its progress and writes the TIFF (its -o, --compression and --bits)")
      ->check(address_problem)
      ->excludes(output)
      ->excludes(compression)
      ->excludes(bits)
      ->excludes(worker_map);
  render->footer(
      "Examples:\n"
      "  pygmy render                              the built-in scene to test.tif, all CPUs\n"
      "  pygmy render scenes/showcase.json -j 4    a scene file with 4 processes\n"
      "  pygmy render --scheduler threads -j 2     the thread-pool baseline\n"
      "  pygmy render --size 1200x800 -o big.tif --compression deflate\n"
      "  pygmy render -j 4 --worker-map map.tif    which of the 4 processes rendered which band\n"
      "  pygmy render --background r.socket        render on after this command returns, then:\n"
      "  pygmy collect r.socket -o test.tif        show its progress and write the TIFF\n"
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
      "Exit status: 0 rendered, 1 render or file error, 2 usage error.\n"
      "Scene files: their format is scenes/README.md in the sources, installed as\n"
      "  " PYGMY_SCENES_INSTALLED "/README.md");
  return render;
}

int run_render(const RenderOptions& options) {
  if (options.scheduler == kMpiScheduler) {
    if (!options.background.empty()) {
      throw UsageError("--background: not with --scheduler mpi, whose ranks mpirun starts");
    }
    return run_mpi_render(options);
  }
  if (!options.background.empty()) {
    return start_background_render(options);
  }
  check_before_rendering(options);

  const Scene scene = scene_of(options);
  const RenderFacts facts = facts_of(scene, options);
  // The shared scheduler's framebuffer is a second copy of the image, the worker map a third.
  check_memory(scene,
               (options.scheduler == "shared" ? 2 : 1) + (options.worker_map.empty() ? 0 : 1));
  // Opened before rendering, so that an unusable output path fails at once, not after the render.
  TiffOutput output(options.output, {.compression = compression_named(options.compression),
                                     .bits_per_sample = options.bits,
                                     .software = "pygmy " PYGMY_VERSION,
                                     .description = facts.description});
  std::optional<TiffOutput> map_output;
  if (!options.worker_map.empty()) {
    map_output.emplace(options.worker_map,
                       TiffOptions{.compression = TiffOptions::Compression::deflate,
                                   .software = "pygmy " PYGMY_VERSION,
                                   .description = "worker map: " + facts.description});
  }
  std::vector<std::filesystem::path> temporaries{output.temporary_path()};
  if (map_output) {
    temporaries.push_back(map_output->temporary_path());
  }
  const RemoveOnSignal remove_on_signal(std::move(temporaries));

  ProgressBar bar(!options.quiet && ProgressBar::stderr_is_terminal());
  const Measured measured = render_measured(
      scene, options, facts, [&bar](int done, int total) { bar.update(done, total); });
  bar.clear();

  commit_holding_signals(output, measured.rendered.image);
  if (map_output) {
    commit_holding_signals(*map_output, worker_map(scene.width, scene.height,
                                                   split_rows(scene.height, facts.band_rows),
                                                   measured.rendered.stats.band_worker));
  }
  print_summary(options.output, measured.summary, options.quiet);
  return 0;
}

}  // namespace pygmy::app
