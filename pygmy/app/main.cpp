// The `pygmy` command: renders a scene to a TIFF, its row bands shared out to processes.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "pprocess/cores.hpp"
#include "progress.hpp"
#include "pygmy/scene_file.hpp"
#include "pygmy/tiff.hpp"
#include "schedulers.hpp"

namespace {

constexpr int kRenderError = 1;
constexpr int kUsageError = 2;

/// What `pygmy render` was asked to do.
struct Command {
  std::string scene_file;  // empty: the built-in PyGmy scene
  std::string output = "test.tif";
  unsigned jobs = pprocess::available_cpus();
  int band_rows = pygmy::app::kDefaultBandRows;
  std::string scheduler = "exchange";
  std::optional<std::uint64_t> seed;
  std::string size;  // "WxH"
  std::string compression = "none";
  int bits = 8;
  bool quiet = false;
};

/// Parses "640x480" (or "640X480"); throws CLI::ValidationError otherwise.
std::pair<int, int> parse_size(const std::string& text) {
  int width = 0;
  int height = 0;
  char x = 0;
  std::istringstream in(text);
  if (!(in >> width >> x >> height) || (x != 'x' && x != 'X') || !in.eof() || width < 1 ||
      height < 1) {
    throw CLI::ValidationError("--size",
                               "expected WIDTHxHEIGHT with positive numbers, got '" + text + "'");
  }
  return {width, height};
}

pygmy::TiffOptions::Compression compression_named(const std::string& name) {
  if (name == "deflate") return pygmy::TiffOptions::Compression::deflate;
  if (name == "lzw") return pygmy::TiffOptions::Compression::lzw;
  return pygmy::TiffOptions::Compression::none;
}

/// Holds back Ctrl-C and SIGTERM while the TIFF is written and renamed into place: a signal
/// during rendering ends the process before any file exists (and its workers with it), one
/// during writing takes effect once the finished file is in place.
class SignalsHeld {
 public:
  SignalsHeld() {
    sigset_t held;
    sigemptyset(&held);
    sigaddset(&held, SIGINT);
    sigaddset(&held, SIGTERM);
    sigprocmask(SIG_BLOCK, &held, &previous_);
  }
  SignalsHeld(const SignalsHeld&) = delete;
  SignalsHeld& operator=(const SignalsHeld&) = delete;
  ~SignalsHeld() { sigprocmask(SIG_SETMASK, &previous_, nullptr); }

 private:
  sigset_t previous_{};
};

int run_render(const Command& command) {
  using pygmy::app::Scheduler;
  pygmy::Scene scene =
      command.scene_file.empty() ? pygmy::builtin_scene() : pygmy::load_scene(command.scene_file);
  if (!command.size.empty()) {
    const auto [width, height] = parse_size(command.size);
    scene = pygmy::with_size(std::move(scene), width, height);
  }
  if (command.seed) scene = pygmy::with_seed(std::move(scene), *command.seed);

  const Scheduler scheduler = pygmy::app::scheduler_named(command.scheduler).value();
  pygmy::app::ProgressBar bar(!command.quiet && pygmy::app::ProgressBar::stderr_is_terminal());
  pygmy::app::RenderPlan plan;
  plan.scheduler = scheduler;
  plan.processes = command.jobs;
  plan.band_rows = command.band_rows;
  plan.progress = [&bar](int done, int total) { bar.update(done, total); };
  const std::size_t bands = pygmy::split_rows(scene.height, command.band_rows).size();

  const auto started = std::chrono::steady_clock::now();
  const pygmy::Image image = pygmy::app::render(scene, plan);
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - started;
  bar.clear();

  const std::string processes =
      scheduler == Scheduler::sequential ? "1" : std::to_string(command.jobs);
  std::ostringstream description;
  description << "scene=" << scene.name << " seed=" << scene.seed << " bands=" << bands
              << " band_rows=" << command.band_rows << " processes=" << processes
              << " scheduler=" << command.scheduler;
  {
    const SignalsHeld held;
    pygmy::write_tiff(command.output, image,
                      {.compression = compression_named(command.compression),
                       .bits_per_sample = command.bits,
                       .software = "pygmy",
                       .description = description.str()});
  }
  if (!command.quiet) {
    std::printf("pygmy: %s %dx%d, scene %s, %s %s (%s), %zu bands of %d rows, %.3f s\n",
                command.output.c_str(), scene.width, scene.height, scene.name.c_str(),
                processes.c_str(), scheduler == Scheduler::threads ? "threads" : "processes",
                command.scheduler.c_str(), bands, command.band_rows, seconds.count());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pygmy: a raytracer whose row bands are rendered by parallel processes."};
  app.name("pygmy");
  app.require_subcommand(1);
  Command command;

  std::string schedulers;
  for (auto s : pygmy::app::all_schedulers()) {
    schedulers += (schedulers.empty() ? "" : ", ") + std::string(pygmy::app::name_of(s));
  }
  std::vector<std::string> scheduler_names;
  for (auto s : pygmy::app::all_schedulers()) scheduler_names.emplace_back(pygmy::app::name_of(s));

  CLI::App* render = app.add_subcommand("render", "Render a scene to an RGB TIFF file");
  render->add_option(
      "scene", command.scene_file,
      "Scene file (JSON, see scenes/README.md); the built-in PyGmy scene if omitted");
  render->add_option("-o,--output", command.output, "TIFF file to write")->capture_default_str();
  render->add_option("-j,--jobs", command.jobs, "Processes (or threads) at once")
      ->capture_default_str()
      ->check(CLI::Range(1U, 4096U));
  render->add_option("--band-rows", command.band_rows, "Rows in each band of work")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  render->add_option("--scheduler", command.scheduler, "Who renders which band: " + schedulers)
      ->capture_default_str()
      ->check(CLI::IsMember(scheduler_names));
  render->add_option("--seed", command.seed, "Seed of the ambient occlusion noise");
  render->add_option("--size", command.size, "Image size WIDTHxHEIGHT, e.g. 1920x1080")
      ->check([](const std::string& text) {
        try {
          static_cast<void>(parse_size(text));
          return std::string();
        } catch (const CLI::ValidationError&) {
          return "expected WIDTHxHEIGHT with positive numbers, got '" + text + "'";
        }
      });
  render->add_option("--compression", command.compression, "TIFF compression")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "deflate", "lzw"}));
  render->add_option("--bits", command.bits, "Bits per sample")
      ->capture_default_str()
      ->check(CLI::IsMember({8, 16}));
  render->add_flag("-q,--quiet", command.quiet, "No progress bar and no summary line");
  render->footer(
      "Examples:\n"
      "  pygmy render                              the built-in scene to test.tif, all CPUs\n"
      "  pygmy render scenes/showcase.json -j 4    a scene file with 4 processes\n"
      "  pygmy render --scheduler threads -j 2     the thread-pool baseline\n"
      "  pygmy render --size 1200x800 -o big.tif --compression deflate\n"
      "Exit status: 0 rendered, 1 render or file error, 2 usage error.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "pygmy: " << e.what() << " (see 'pygmy render --help')\n";
    return kUsageError;
  }

  try {
    return run_render(command);
  } catch (const std::exception& e) {
    std::cerr << "pygmy: error: " << e.what() << '\n';
    return kRenderError;
  }
}
