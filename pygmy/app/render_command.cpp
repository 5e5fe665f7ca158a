// `pygmy render`: renders a scene to a TIFF or PNG, its row bands shared out to processes.
#include "render_command.hpp"

#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <new>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "background.hpp"
#include "build_info.hpp"
#include "command_line.hpp"
#include "memory.hpp"
#include "outputs.hpp"
#include "pprocess/persistent.hpp"
#include "progress.hpp"
#include "pygmy/mpi.hpp"
#include "pygmy/output_file.hpp"
#include "pygmy/scene.hpp"
#include "pygmy/tiff.hpp"
#include "render_summary.hpp"

namespace pygmy::app {

namespace {

// Whether two names given for files to write name the same file.
bool same_file(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  std::error_code ignored;
  return fs::weakly_canonical(fs::absolute(a, ignored), ignored) ==
         fs::weakly_canonical(fs::absolute(b, ignored), ignored);
}

// The scene `options` name, at their size and seed.
Scene scene_of(const RenderOptions& options) {
  Scene scene = scene_for(options.scene_file, options.size);
  if (options.seed) {
    scene = with_seed(std::move(scene), *options.seed);
  }
  return scene;
}

// The longest band timeout: a longer one (up to 1e308 seconds) is this, which no render reaches.
// A deadline is a time point of the steady clock, counted in nanoseconds in 64 bits: about 292
// years from the machine's start. A century keeps far from that.
constexpr std::chrono::milliseconds kLongestBandTimeout = std::chrono::hours(24 * 365 * 100);

// `seconds` (finite, above 0) as a band timeout: whole milliseconds, at least 1, at most
// kLongestBandTimeout.
std::chrono::milliseconds band_timeout_of(double seconds) {
  const double longest = static_cast<double>(kLongestBandTimeout.count());
  const double milliseconds = std::min(seconds * 1000, longest);
  return std::chrono::milliseconds(std::max<long long>(1, std::llround(milliseconds)));
}

// The plan a render by `options` follows, without progress. Its scheduler names
// options.scheduler: `options` must outlive it.
schedulers::RenderPlan plan_for(const RenderOptions& options) {
  schedulers::RenderPlan plan;
  plan.scheduler = options.scheduler;
  plan.processes = options.jobs;
  plan.band_rows = options.band_rows;
  if (options.band_timeout) {
    plan.band_timeout = band_timeout_of(*options.band_timeout);
  }
  return plan;
}

// How many copies of the image a render holds at once: in the process that holds the most, and
// in all its processes together (a cgroup or the machine sees them all; a resource limit such as
// ulimit -v bounds each process on its own).
struct Copies {
  int in_one_process = 1;
  int in_all = 1;
};

// Refuses, before anything starts, an image whose copies would not fit the memory available;
// `held` says what holds them, for the message.
void check_memory(const Scene& scene, Copies copies, const std::string& held = "") {
  std::vector<MemoryLimit> each;
  std::vector<MemoryLimit> together;
  for (const MemoryLimit& limit : memory_limits()) {
    (bounds_each_process(limit.source) ? each : together).push_back(limit);
  }
  std::string problem = memory_problem(scene.width, scene.height, copies.in_one_process, each);
  if (problem.empty()) {
    problem = memory_problem(scene.width, scene.height, copies.in_all, together);
  }
  if (!problem.empty()) {
    throw std::runtime_error(problem + held);
  }
}

// The copies of the image a render by `options` holds at once, all in this process: the image,
// the shared scheduler's framebuffer, map's and reuse's results (each band's pixels, kept until
// the last band is in), the worker map.
int copies_held(const RenderOptions& options) {
  const bool keeps_results = options.scheduler == "map" || options.scheduler == "reuse";
  return 1 + (options.scheduler == "shared" ? 1 : 0) + (keeps_results ? 1 : 0) +
         (options.worker_map.empty() ? 0 : 1);
}

// The copies a render by `options` holds here.
Copies copies_here(const RenderOptions& options) {
  const int copies = copies_held(options);
  return {.in_one_process = copies, .in_all = copies};
}

// The copies a background render by `options` holds: as a render here, and, once it is done, the
// message that sends the image beside it. The background process's server then receives the
// message into a buffer that grows as it arrives (two copies at once at the last step), and holds
// it until a collect has it.
Copies copies_in_background(const RenderOptions& options) {
  const int copies = copies_held(options);
  return {.in_one_process = copies + 1, .in_all = copies + 3};
}

// Renders `scene` as `plan` and its `layout` say; std::runtime_error rather than std::bad_alloc
// when memory runs out.
schedulers::Rendered render_or_say_why(const Scene& scene, const schedulers::RenderPlan& plan,
                                       const schedulers::Layout& layout) {
  try {
    return schedulers::render(scene, plan, layout);
  } catch (const std::bad_alloc&) {
    throw std::runtime_error("not enough memory to render the " + std::to_string(scene.width) +
                             "x" + std::to_string(scene.height) + " image");
  }
}

// The files a render by `options` writes, the image with `description` (description_of()).
OutputRequest outputs_of(const RenderOptions& options, std::string description) {
  return {.image = options.output,
          .image_format = image_format_for(options.output, options.format, options.compression),
          .image_options = {.compression = compression_named(options.compression),
                            .bits_per_sample = options.bits,
                            .description = std::move(description)},
          .worker_map = options.worker_map};
}

// The background process's work: renders, sending its progress, then the image and the end
// (see BackgroundMessage).
void render_in_background(pprocess::Channel& channel, const Scene& scene,
                          const RenderOptions& options) {
  // The first message says that the render has begun: its starter waits for it.
  channel.send(BackgroundMessage{BackgroundProgress{0, scene.height}});
  schedulers::RenderPlan plan = plan_for(options);
  plan.progress = [&channel](int done, int total) {
    channel.send(BackgroundMessage{BackgroundProgress{done, total}});
  };
  const schedulers::Layout layout = schedulers::layout(scene, plan);
  const schedulers::Rendered rendered = render_or_say_why(scene, plan, layout);
  const RenderSummary summary = summary_of(scene, rendered.stats);
  const std::string description = description_of(scene, layout);
  try {
    channel.send(BackgroundImageSent{summary, description, rendered.image});
  } catch (const std::bad_alloc&) {
    throw std::runtime_error("not enough memory to send the finished image (" +
                             std::to_string(rendered.image.pixels().size()) +
                             " bytes of pixels) to its collect");
  }
  channel.send(BackgroundMessage{BackgroundEnd{}});
}

// What is at `address`, when start_persistent failed with `error` because something is there:
// another user's socket, a render of this user's, or another kind of file; nullopt otherwise.
std::optional<std::string> taken_problem(const std::string& address,
                                         const std::system_error& error) {
  struct stat there {};
  const bool in_use = error.code() == std::errc::address_in_use;
  // Another user's socket may not even be looked at (EACCES): it is theirs all the same.
  if ((!in_use && error.code() != std::errc::permission_denied) ||
      ::lstat(address.c_str(), &there) != 0) {
    return std::nullopt;
  }
  const std::string quoted = "'" + address + "'";
  if (!S_ISSOCK(there.st_mode)) {
    return in_use ? std::optional(quoted + " exists and is " + kind_of(there.st_mode) +
                                  ", not a socket")
                  : std::nullopt;
  }
  if (there.st_uid != ::geteuid()) {
    return quoted + " is the socket of " + user_named(there.st_uid) +
           (in_use ? ", whose process serves there: not a render of yours" : "") +
           " (choose another address)";
  }
  if (in_use) {
    return "a process already serves at " + quoted +
           " (a render not yet collected? 'pygmy collect " + address + "')";
  }
  return std::nullopt;
}

// How long `render --background` waits for its render to say that it has begun.
constexpr std::chrono::seconds kStartWait{60};

// "open files 6 (ulimit -n), processes 31 (ulimit -u)": what this process may have, which the
// background process inherits.
std::string resource_limits() {
  const auto limit = [](int resource) {
    rlimit value{};
    if (::getrlimit(resource, &value) != 0 || value.rlim_cur == RLIM_INFINITY) {
      return std::string("unlimited");
    }
    return std::to_string(value.rlim_cur);
  };
  return "open files " + limit(RLIMIT_NOFILE) + " (ulimit -n), processes " + limit(RLIMIT_NPROC) +
         " (ulimit -u)";
}

// What a background process that ended before its render began says: it could tell only by
// closing the connection, short of descriptors or processes most likely.
std::runtime_error ended_before_rendering(const std::string& address) {
  return std::runtime_error("the background process for '" + address +
                            "' ended before it began rendering, without saying why; it may "
                            "have been short of descriptors or processes: this command may have " +
                            resource_limits());
}

// Waits for the first message of the background render on `render`, its starter's connection:
// the render has begun.
void confirm_started(pprocess::Channel& render, const std::string& address) {
  const std::string quoted = "'" + address + "'";
  try {
    if (std::holds_alternative<BackgroundProgress>(render.receive<BackgroundMessage>(kStartWait))) {
      return;
    }
    throw std::runtime_error("the render at " + quoted + " did not begin with its progress");
  } catch (const pprocess::RemoteError& e) {
    throw std::runtime_error("the render at " + quoted + " failed as it began: " + e.type_name() +
                             ": " + e.message());
  } catch (const pprocess::ChannelClosed&) {
    throw ended_before_rendering(address);
  } catch (const pprocess::TimedOut&) {
    throw std::runtime_error("the background process for " + quoted + " (pid " +
                             std::to_string(render.pid()) + ") has not begun rendering within " +
                             std::to_string(kStartWait.count()) +
                             " s; it may yet ('pygmy collect " + address + "')");
  }
}

// `pygmy render --background`: checks as a render here does, starts the background process and
// prints where it serves and its id.
int start_background_render(const RenderOptions& options) {
  const Scene scene = scene_of(options);
  check_memory(scene, copies_in_background(options),
               " (in the background the image is held beside the message that sends it, which is "
               "then held until a collect has it)");
  const std::uint64_t bytes = std::uint64_t{3} * static_cast<std::uint64_t>(scene.width) *
                              static_cast<std::uint64_t>(scene.height);
  if (bytes > kMostBackgroundImageBytes) {
    throw std::runtime_error("--background: the image's " + std::to_string(bytes) +
                             " bytes of pixels exceed the " +
                             std::to_string(kMostBackgroundImageBytes) +
                             " a background render can send; render it without --background");
  }
  pprocess::Channel connection;
  try {
    connection =
        pprocess::start_persistent(options.background, render_in_background, scene, options);
  } catch (const std::system_error& e) {
    if (const std::optional<std::string> taken = taken_problem(options.background, e)) {
      throw std::runtime_error(*taken);
    }
    throw;
  } catch (const pprocess::ChannelClosed&) {
    throw ended_before_rendering(options.background);  // it could not make its worker
  }
  // The record of an earlier render at this address, collected, is not this render's. Removed
  // while this is the render's only client: no collect of it can have written one yet.
  std::error_code ignored;
  std::filesystem::remove(collected_marker(options.background), ignored);
  confirm_started(connection, options.background);
  const pid_t pid = connection.pid();
  connection.close();  // the render is collected later, by `pygmy collect`
  std::printf("address: %s\npid: %d\n", options.background.c_str(), static_cast<int>(pid));
  if (!options.quiet) {
    std::fprintf(stderr,
                 "pygmy: rendering %dx%d in the background; 'pygmy collect %s' writes the image\n",
                 scene.width, scene.height, options.background.c_str());
  }
  return 0;
}

}  // namespace

void check_before_rendering(const RenderOptions& options) {
  // SOURCE_DATE_EPOCH sets the image's date: a bad value is a usage error, found before
  // rendering rather than when the finished image is written.
  try {
    static_cast<void>(source_date_epoch());
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  static_cast<void>(image_format_for(options.output, options.format, options.compression));
  check_standard_output("-o", options.output);
  if (options.worker_map == "-") {
    throw UsageError("--worker-map: expected a file; standard output is for the image (-o -)");
  }
  if (!options.worker_map.empty() && same_file(options.worker_map, options.output)) {
    throw UsageError("--worker-map: expected another file than the output, got '" +
                     options.worker_map + "'");
  }
}

CLI::App* add_render_command(CLI::App& app, RenderOptions& options) {
  std::string schedulers;
  for (const schedulers::Scheduler& s : schedulers::all_schedulers()) {
    schedulers += "\n  " + std::string(s.name) + ": " + std::string(s.summary);
  }

  CLI::App* render = app.add_subcommand("render", "Render a scene to an RGB TIFF or PNG file");
  render->add_option(
      "scene", options.scene_file,
      "Scene file (JSON, see scenes/README.md); - reads it from standard input; the built-in "
      "PyGmy scene if omitted");
  const ImageFileOptions image = add_image_file_options(*render, options.output, options.format,
                                                        options.compression, options.bits);
  render->add_option("-j,--jobs", options.jobs, "Processes (or threads) at once")
      ->capture_default_str()
      ->check(CLI::Range(1U, 4096U))
      ->transform(decimal());
  render
      ->add_option("--band-rows", options.band_rows,
                   "Rows in each band of work (default: chosen from the image and -j)")
      ->check(CLI::Range(1, 1 << 20))
      ->transform(decimal());
  render->add_option("--scheduler", options.scheduler, "Who renders which band:" + schedulers)
      ->capture_default_str()
      ->check(scheduler_problem);
  render->add_option("--seed", options.seed, "Seed of the ambient occlusion noise")
      ->check(seed_problem)
      ->transform(decimal());
  render->add_option("--size", options.size, "Image size WIDTHxHEIGHT, e.g. 1920x1080")
      ->check(size_problem);
  render
      ->add_option("--band-timeout", options.band_timeout,
                   "Seconds after which a band still running is ended and rendered again "
                   "(default: 20 times the median band so far, at least 30; longer than a "
                   "century is a century)")
      ->check(seconds_problem);
  render->add_flag("-q,--quiet", options.quiet, "No progress bar and no summary line");
  CLI::Option* worker_map =
      render
          ->add_option("--worker-map", options.worker_map,
                       "Also write an image (TIFF or PNG, by its extension) picturing which worker "
                       "rendered which band: a colour per "
                       "worker, a darker line on each band's first row")
          ->check(image_output_problem);
  render
      ->add_option(
          "--background", options.background,
          "Render in a background process serving at this UNIX socket path, print the "
          "address and the process's id, and return at once; 'pygmy collect ADDRESS' "
          "shows its progress and writes the image (its -o, --format, --compression and --bits)")
      ->check(address_problem)
      ->excludes(image.output)
      ->excludes(image.format)
      ->excludes(image.compression)
      ->excludes(image.bits)
      ->excludes(worker_map);
  std::string footer(
      "Examples:\n"
      "  pygmy render                              the built-in scene to test.tif, all CPUs\n"
      "  pygmy render scenes/showcase.json -j 4    a scene file with 4 processes\n"
      "  pygmy render --scheduler threads -j 2     the thread-pool baseline\n"
      "  pygmy render --size 1200x800 -o big.tif --compression deflate\n"
      "  pygmy render -o test.png --bits 16        a 16-bit PNG\n"
      "  pygmy render - -o - --format png < s.json | display    scene in, PNG out, by pipes\n"
      "  pygmy render -j 4 --worker-map map.tif    which of the 4 processes rendered which band\n"
      "  pygmy render --background r.socket        render on after this command returns, then:\n"
      "  pygmy collect r.socket -o test.tif        show its progress and write the image\n"
      "  mpirun -n 4 pygmy render --scheduler mpi  4 MPI ranks (docs/cluster.md)\n"
      "Output: written to .NAME.pygmy-PID.tmp beside it, then renamed; a file replaced keeps its\n"
      "permission bits, a read-only one is refused. A symbolic link is written through to its\n"
      "target, but not another user's link in a sticky directory such as /tmp; a device or FIFO\n"
      "(/dev/null) is written in place, a socket refused. Past 4 GiB it is a BigTIFF.\n"
      "Formats: by -o's extension, .tif or .tiff (TIFF) or .png (PNG); another is refused. With\n"
      "-o - the image goes to standard output (not a terminal) and the summary to stderr.\n"
      "An image larger than the memory available is refused before rendering.\n"
      "Signals: INT, TERM, HUP, QUIT, USR1, USR2, ALRM and XCPU remove the temporary and end the\n"
      "command; one ignored at start (nohup) stays ignored. A killed render's temporary is\n"
      "removed by the next render of the same file.\n"
      "Summary: the output, size, scene, processes (scheduler), bands, seconds, CPU seconds (user\n"
      "and system, workers included), processes forked, and bands each worker rendered; a note\n"
      "on stderr when -j is more than the CPUs this process may use.\n"
      "Worker map: beside writing it, lists each worker's colour and bands on stderr (unless -q),\n"
      "as the legend drawn into its top right corner shows them.\n"
      "Tags: the image's Software (version and commit), description, 72 pixels per inch, date.\n"
      "SOURCE_DATE_EPOCH: the TIFF's DateTime and the PNG's Creation Time, in seconds from 0 to\n"
      "253402300799.\n"
      "Exit status: 0 rendered, 1 render or file error, 2 usage error.\n");
  footer.append(scenes_note());
  render->footer(footer);
  return render;
}

namespace {

// `pygmy render --scheduler mpi`: this process's rank of the job. Rank 0 checks what a render
// here checks before the job is sent, and writes the files once every band is in. The files are
// opened only then: while bands travel, Open MPI may end this process without running any
// handler (a rank that died, mpirun gone), which would leave a temporary behind.
int run_mpi(const RenderOptions& options) {
  if (!options.background.empty()) {
    throw UsageError("--background: not with --scheduler mpi, whose ranks mpirun starts");
  }
  if (options.scene_file == "-") {
    throw UsageError("a scene on standard input is not for --scheduler mpi: give its file");
  }
  schedulers::mpi::Job job{.scene_file = scene_path(options.scene_file).string(),
                           .seed = options.seed};
  if (!options.size.empty()) job.size = parse_size(options.size);
  ProgressBar bar(!options.quiet);
  OutputRequest request;
  schedulers::mpi::RankZero rank_zero;
  rank_zero.prepare = [&](const Scene& scene, const schedulers::Layout& layout) {
    check_before_rendering(options);
    check_memory(scene, copies_here(options));
    request = outputs_of(options, description_of(scene, layout));
    Outputs::check(request);
  };
  rank_zero.progress = [&bar](int done, int total) { bar.update(done, total); };
  rank_zero.finish = [&](const Scene& scene, const schedulers::Rendered& rendered) {
    bar.clear();
    Outputs outputs(request);
    outputs.write(rendered.image, rendered.stats);
    print_summary(options.output, summary_of(scene, rendered.stats), options.quiet);
    if (!options.worker_map.empty()) {
      print_worker_legend(options.worker_map, rendered.stats, options.quiet);
    }
  };
  return schedulers::mpi::run_job(job, plan_for(options), rank_zero);
}

}  // namespace

int run_render(const RenderOptions& options) {
  if (options.scheduler == schedulers::mpi::kName) {
    return run_mpi(options);
  }
  if (!options.background.empty()) {
    return start_background_render(options);
  }
  check_before_rendering(options);

  const Scene scene = scene_of(options);
  schedulers::RenderPlan plan = plan_for(options);
  check_memory(scene, copies_here(options));
  // Opened before the layout's cost estimate (seconds for a huge image) and the render, so that an
  // unusable output path fails at once; the description names the layout, known only after.
  Outputs outputs(outputs_of(options, ""));
  const schedulers::Layout layout = schedulers::layout(scene, plan);
  outputs.describe(description_of(scene, layout));
  ProgressBar bar(!options.quiet);
  plan.progress = [&bar](int done, int total) { bar.update(done, total); };
  const schedulers::Rendered rendered = render_or_say_why(scene, plan, layout);
  bar.clear();
  outputs.write(rendered.image, rendered.stats);
  print_summary(options.output, summary_of(scene, rendered.stats), options.quiet);
  if (!options.worker_map.empty()) {
    print_worker_legend(options.worker_map, rendered.stats, options.quiet);
  }
  return 0;
}

}  // namespace pygmy::app
