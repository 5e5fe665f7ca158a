// `pygmy collect`: collects a render started with `pygmy render --background`, writing its image.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace pygmy::app {

// What `pygmy collect` was asked to do.
struct CollectOptions {
  std::string address;  // the UNIX socket path the render serves at
  std::string output = "test.tif";
  std::string format;  // "tiff" or "png"; empty: the one the output's name says
  std::string compression = "none";
  int bits = 8;
  bool quiet = false;
  double wait = 60;  // seconds: for the render to answer, and while another collect holds it
};

// Adds the `collect` subcommand to `app`, its options read into `options`.
//   CollectOptions options;
//   CLI::App* collect = add_collect_command(app, options);
//   app.parse(argc, argv);
//   if (collect->parsed()) return run_collect(options);
CLI::App* add_collect_command(CLI::App& app, CollectOptions& options);

// Connects to the background render at options.address (waiting, saying so, while another
// collect is connected to it, options.wait seconds at most), shows its progress until it is
// done, writes its image as `pygmy render` does, records it as collected and prints the summary
// line; the exit status. A stopping signal ends it at once, wherever it waits, saying so. Throws
// UsageError for a bad SOURCE_DATE_EPOCH, std::exception when there is no render to collect (none
// started, already collected, killed, failed) or the file cannot be written.
int run_collect(const CollectOptions& options);

}  // namespace pygmy::app
