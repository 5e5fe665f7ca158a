// `pygmy render`: renders a scene to a TIFF or PNG, its row bands shared out to processes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "pprocess/cores.hpp"
#include "pygmy/image.hpp"
#include "pygmy/schedulers.hpp"
#include "pygmy/tiff.hpp"

namespace pygmy::app {

// What `pygmy render` was asked to do.
struct RenderOptions {
  std::string scene_file;  // empty: the built-in PyGmy scene
  std::string output = "test.tif";
  unsigned jobs = pprocess::available_cpus();
  std::optional<int> band_rows;        // unset: the scheduler's default
  std::optional<double> band_timeout;  // seconds; unset: the rule of band_deadline()
  std::string scheduler{schedulers::kDefaultScheduler};
  std::optional<std::uint64_t> seed;
  std::string size;    // "WxH"; empty: the scene's own
  std::string format;  // "tiff" or "png"; empty: the one the output's name says
  std::string compression = "none";
  int bits = 8;
  bool quiet = false;
  std::string worker_map;  // an image of which worker rendered which band; empty: none
  std::string background;  // a UNIX socket path: render in a background process serving there
};

// Adds the `render` subcommand to `app`, its options read into `options`.
//   RenderOptions options;
//   CLI::App* render = add_render_command(app, options);
//   app.parse(argc, argv);
//   if (render->parsed()) return run_render(options);
CLI::App* add_render_command(CLI::App& app, RenderOptions& options);

// Renders as `options` say, writes the image and prints the summary line; the exit status.
// With options.background, checks the same, starts the render in a background process serving
// at that address (`pygmy collect` writes its image), prints the address and the process's id,
// and returns at once. Throws UsageError for a bad SOURCE_DATE_EPOCH, std::exception for a
// render or file error.
int run_render(const RenderOptions& options);

// What every render checks before it starts: SOURCE_DATE_EPOCH (UsageError if bad) and a worker
// map that is not the output itself.
//   check_before_rendering(options);
void check_before_rendering(const RenderOptions& options);

}  // namespace pygmy::app
