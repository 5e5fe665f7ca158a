// The `pygmy` command: renders a scene to a TIFF, its row bands shared out to processes.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "memory.hpp"
#include "pprocess/cores.hpp"
#include "progress.hpp"
#include "pygmy/scene.hpp"
#include "pygmy/scene_file.hpp"
#include "pygmy/schedulers.hpp"
#include "pygmy/tiff.hpp"
#include "signals.hpp"

namespace {

constexpr int kRenderError = 1;
constexpr int kUsageError = 2;

// What `pygmy render` was asked to do.
struct Command {
  std::string scene_file;  // empty: the built-in PyGmy scene
  std::string output = "test.tif";
  unsigned jobs = pprocess::available_cpus();
  std::optional<int> band_rows;        // unset: the scheduler's default
  std::optional<double> band_timeout;  // seconds; unset: the rule of band_deadline()
  std::string scheduler{pygmy::schedulers::kDefaultScheduler};
  std::optional<std::uint64_t> seed;
  std::string size;  // "WxH"
  std::string compression = "none";
  int bits = 8;
  bool quiet = false;
};

// Reads "640x480" (or "640X480"); each side must be from 1 to kMaxImageSide, as in a scene file.
std::optional<std::pair<int, int>> parse_size(const std::string& text) {
  int width = 0;
  int height = 0;
  char x = 0;
  std::istringstream in(text);
  if (!(in >> width >> x >> height) || (x != 'x' && x != 'X') || !in.eof() || width < 1 ||
      height < 1 || width > pygmy::kMaxImageSide || height > pygmy::kMaxImageSide) {
    return std::nullopt;
  }
  return std::pair(width, height);
}

// Why `text` cannot be a size (empty when it can).
std::string size_problem(const std::string& text) {
  if (!parse_size(text)) {
    return "expected WIDTHxHEIGHT, each from 1 to " + std::to_string(pygmy::kMaxImageSide) +
           ", got '" + text + "'";
  }
  return "";
}

// Why `text` cannot be a seed (empty when it can). Checked here, for CLI11 would wrap "-1" round
// to 2^64 - 1 and saturate there past 64 bits.
std::string seed_problem(const std::string& text) {
  const std::string largest = std::to_string(std::numeric_limits<std::uint64_t>::max());
  const std::size_t first = std::min(text.find_first_not_of('0'), text.size());
  const std::string digits = text.substr(first);
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
      digits.size() > largest.size() || (digits.size() == largest.size() && digits > largest)) {
    return "expected an integer from 0 to " + largest + ", got '" + text + "'";
  }
  return "";
}

// A seed's digits without leading zeros, which CLI11 would take as octal ("010" is ten).
std::string without_leading_zeros(const std::string& text) {
  const std::size_t first = text.find_first_not_of('0');
  return first == std::string::npos ? "0" : text.substr(first);
}

// Why the command line names no command, when its first word is not one of `app`'s commands
// (empty otherwise): CLI11 would only say that one is required.
std::string unknown_command_problem(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    return "";
  }
  std::string names;
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (command->get_name() == argv[1]) {
      return "";
    }
    names += (names.empty() ? "" : ", ") + command->get_name();
  }
  return "unknown command '" + std::string(argv[1]) + "'; the commands are: " + names;
}

// Why `text` cannot be the output (empty when it can). Checked before rendering: a directory
// would otherwise be found only when the finished image is renamed over it.
std::string output_problem(const std::string& text) {
  const std::filesystem::path path(text);
  std::error_code ignored;
  if (text.empty() || !path.has_filename() || path.filename() == "." || path.filename() == ".." ||
      std::filesystem::is_directory(path, ignored)) {
    return "expected the name of a file to write, not a directory, got '" + text + "'";
  }
  return "";
}

pygmy::TiffOptions::Compression compression_named(const std::string& name) {
  if (name == "deflate") {
    return pygmy::TiffOptions::Compression::deflate;
  }
  if (name == "lzw") {
    return pygmy::TiffOptions::Compression::lzw;
  }
  return pygmy::TiffOptions::Compression::none;
}

// "1 band", "3 bands".
std::string count_of(std::size_t count, const std::string& one, const std::string& many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

// Seconds of CPU this process and the children it has reaped have used so far.
double cpu_seconds() {
  double total = 0;
  for (const int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    rusage usage{};
    ::getrusage(who, &usage);
    for (const timeval& t : {usage.ru_utime, usage.ru_stime}) {
      total += static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
    }
  }
  return total;
}

int run_render(const Command& command) {
  namespace schedulers = pygmy::schedulers;
  pygmy::Scene scene =
      command.scene_file.empty() ? pygmy::builtin_scene() : pygmy::load_scene(command.scene_file);
  if (!command.size.empty()) {
    const auto [width, height] = parse_size(command.size).value();
    scene = pygmy::with_size(std::move(scene), width, height);
  }
  if (command.seed) {
    scene = pygmy::with_seed(std::move(scene), *command.seed);
  }

  pygmy::app::ProgressBar bar(!command.quiet && pygmy::app::ProgressBar::stderr_is_terminal());
  schedulers::RenderPlan plan;
  plan.scheduler = command.scheduler;
  plan.processes = command.jobs;
  plan.band_rows = command.band_rows;
  if (command.band_timeout) {
    plan.band_timeout = std::chrono::milliseconds(
        std::max<long long>(1, std::llround(*command.band_timeout * 1000)));
  }
  plan.progress = [&bar](int done, int total) { bar.update(done, total); };
  const unsigned processes = schedulers::workers_for(plan);
  const int band_rows = schedulers::band_rows_for(scene, plan);
  const std::size_t bands = pygmy::split_rows(scene.height, band_rows).size();
  std::ostringstream description;
  description << "scene=" << scene.name << " seed=" << scene.seed << " bands=" << bands
              << " band_rows=" << band_rows << " processes=" << processes
              << " scheduler=" << command.scheduler;
  // The shared scheduler's framebuffer is a second copy of the image.
  const int copies = command.scheduler == "shared" ? 2 : 1;
  if (const std::string problem = pygmy::app::memory_problem(scene.width, scene.height, copies,
                                                             pygmy::app::memory_limits());
      !problem.empty()) {
    throw std::runtime_error(problem);
  }
  // Opened before rendering, so that an unusable output path fails at once, not after the render.
  pygmy::TiffOutput output(command.output, {.compression = compression_named(command.compression),
                                            .bits_per_sample = command.bits,
                                            .software = "pygmy " PYGMY_VERSION,
                                            .description = description.str()});
  const pygmy::app::RemoveOnSignal remove_on_signal(output.temporary_path());

  const double cpu_before = cpu_seconds();
  const auto started = std::chrono::steady_clock::now();
  const schedulers::Rendered rendered = schedulers::render(scene, plan);
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - started;
  const double cpu = cpu_seconds() - cpu_before;
  bar.clear();

  {
    // Only a rename needs the signals held: a device or FIFO is written in place, and Ctrl-C
    // must still end a command whose FIFO nobody reads.
    std::optional<pygmy::app::SignalsHeld> held;
    if (!output.in_place()) {
      held.emplace();
    }
    output.commit(rendered.image);
  }
  if (const std::optional<unsigned> allowed = rendered.stats.processes_allowed) {
    std::fprintf(stderr,
                 "pygmy: warning: the system allowed %u of the %u processes asked for (out of "
                 "processes or descriptors); the render went on with those\n",
                 *allowed, processes);
  }
  if (!command.quiet) {
    const schedulers::RenderStats& stats = rendered.stats;
    const bool threads =
        schedulers::scheduler_named(command.scheduler).workers == schedulers::Workers::threads;
    const std::string workers = threads ? count_of(processes, "thread", "threads")
                                        : count_of(processes, "process", "processes");
    std::printf("pygmy: %s %dx%d, scene %s, %s (%s), %s of %d rows, %.3f s, CPU %.3f s",
                command.output.c_str(), scene.width, scene.height, scene.name.c_str(),
                workers.c_str(), command.scheduler.c_str(),
                count_of(bands, "band", "bands").c_str(), band_rows, seconds.count(), cpu);
    std::printf(", %s, %.1f bands per %s\n", count_of(stats.forks, "fork", "forks").c_str(),
                static_cast<double>(stats.bands) /
                    static_cast<double>(std::max<std::size_t>(stats.workers, 1)),
                threads ? "thread" : "process");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pygmy: a raytracer whose row bands are rendered by parallel processes."};
  app.name("pygmy");
  app.require_subcommand(1);
  app.set_version_flag("--version", "pygmy " PYGMY_VERSION);
  Command command;

  std::string schedulers;
  std::vector<std::string> scheduler_names;
  for (const pygmy::schedulers::Scheduler& s : pygmy::schedulers::all_schedulers()) {
    schedulers += "\n  " + std::string(s.name) + ": " + std::string(s.summary);
    scheduler_names.emplace_back(s.name);
  }

  CLI::App* render = app.add_subcommand("render", "Render a scene to an RGB TIFF file");
  render->add_option(
      "scene", command.scene_file,
      "Scene file (JSON, see scenes/README.md); the built-in PyGmy scene if omitted");
  render->add_option("-o,--output", command.output, "TIFF file to write")
      ->capture_default_str()
      ->check(output_problem);
  render->add_option("-j,--jobs", command.jobs, "Processes (or threads) at once")
      ->capture_default_str()
      ->check(CLI::Range(1U, 4096U));
  render
      ->add_option("--band-rows", command.band_rows,
                   "Rows in each band of work (default: chosen from the image and -j)")
      ->check(CLI::Range(1, 1 << 20));
  render->add_option("--scheduler", command.scheduler, "Who renders which band:" + schedulers)
      ->capture_default_str()
      ->check(CLI::IsMember(scheduler_names));
  render->add_option("--seed", command.seed, "Seed of the ambient occlusion noise")
      ->check(seed_problem)
      ->transform(without_leading_zeros);
  render->add_option("--size", command.size, "Image size WIDTHxHEIGHT, e.g. 1920x1080")
      ->check(size_problem);
  render->add_option("--compression", command.compression, "TIFF compression")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "deflate", "lzw"}));
  render->add_option("--bits", command.bits, "Bits per sample")
      ->capture_default_str()
      ->check(CLI::IsMember({8, 16}));
  render
      ->add_option("--band-timeout", command.band_timeout,
                   "Seconds after which a band still running is ended and rendered again "
                   "(default: 20 times the median band so far, at least 30)")
      ->check(CLI::PositiveNumber);
  render->add_flag("-q,--quiet", command.quiet, "No progress bar and no summary line");
  render->footer(
      "Examples:\n"
      "  pygmy render                              the built-in scene to test.tif, all CPUs\n"
      "  pygmy render scenes/showcase.json -j 4    a scene file with 4 processes\n"
      "  pygmy render --scheduler threads -j 2     the thread-pool baseline\n"
      "  pygmy render --size 1200x800 -o big.tif --compression deflate\n"
      "Output: written to .NAME.pygmy-PID.tmp beside it, then renamed; a file replaced keeps its\n"
      "permission bits, a read-only one is refused. A symbolic link is written through to its\n"
      "target; a device or FIFO (/dev/null) is written in place. Past 4 GiB it is a BigTIFF.\n"
      "An image larger than the memory available is refused before rendering.\n"
      "Signals: INT, TERM, HUP, QUIT, USR1, USR2, ALRM and XCPU remove the temporary and end the\n"
      "command; one ignored at start (nohup) stays ignored. A killed render's temporary is\n"
      "removed by the next render of the same file.\n"
      "SOURCE_DATE_EPOCH: the TIFF's DateTime, in seconds from 0 to 253402300799.\n"
      "Exit status: 0 rendered, 1 render or file error, 2 usage error.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (const std::string unknown = unknown_command_problem(app, argc, argv); !unknown.empty()) {
      std::cerr << "pygmy: " << unknown << " (see 'pygmy --help')\n";
      return kUsageError;
    }
    std::cerr << "pygmy: " << e.what() << " (see 'pygmy render --help')\n";
    return kUsageError;
  }

  // SOURCE_DATE_EPOCH sets the TIFF's DateTime: a bad value is a usage error, found before
  // rendering rather than when the finished image is written.
  try {
    static_cast<void>(pygmy::source_date_epoch());
  } catch (const std::runtime_error& e) {
    std::cerr << "pygmy: " << e.what() << '\n';
    return kUsageError;
  }

  try {
    return run_render(command);
  } catch (const std::exception& e) {
    std::cerr << "pygmy: error: " << e.what() << '\n';
    return kRenderError;
  }
}
