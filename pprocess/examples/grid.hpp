// What every grid example shares: the grid's size, the command line (the delay per cell, the
// process limit, and for the background examples which part to run), and printing the grid and
// the time taken as the original examples do.
#pragma once

#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace grid {

/// The grid is kN × kN; cell (i, j) holds i * kN + j.
inline constexpr int kN = 10;

/// What the command line chose.
struct Settings {
  /// How long one cell's pretend work takes. The original sleeps a whole second, which makes the
  /// sequential examples take 100 s.
  std::chrono::milliseconds delay{10};
  /// The most created processes alive at once: the original's 10.
  std::size_t limit = 10;
  /// A background example: whether to start the work in the background (`--start` alone), and
  /// whether to collect it (`--reconnect` alone). Without either flag it does both.
  bool start = true;
  bool reconnect = true;
};

namespace detail {

/// `text` read as a whole number of at least `least`; nullopt for anything else.
template <class Number>
std::optional<Number> number_from(std::string_view text, Number least) {
  Number value{};
  const char* const end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc{} || stop != end || value < least) return std::nullopt;
  return value;
}

/// What an example's command line takes besides `--delay MS` and `--help`.
struct Options {
  /// `--limit N`, whose default is `limit`.
  bool with_limit = false;
  std::size_t limit = Settings{}.limit;
  /// `--start` or `--reconnect`.
  bool with_phases = false;
};

/// Reads the command line `options` describe. Help ends the program; so does a bad command line,
/// with a message and exit status 2.
inline Settings parse(int argc, char** argv, Options options) {
  const std::string program =
      argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "grid";
  Settings settings;
  settings.limit = options.limit;
  std::string usage = "usage: " + program +
                      (options.with_phases ? " [--start | --reconnect]" : "") + " [--delay MS]" +
                      (options.with_limit ? " [--limit N]" : "");
  usage += "\n";
  if (options.with_phases) {
    usage +=
        "  --start     only start the work, in the background, and return\n"
        "  --reconnect only collect the work started earlier with --start\n";
  }
  usage += "  --delay MS  pretend work per cell, in milliseconds (default " +
           std::to_string(settings.delay.count()) + ")\n";
  if (options.with_limit) {
    usage += "  --limit N   the most processes at once (default " + std::to_string(settings.limit) +
             ")\n";
  }
  const auto fail = [&](const std::string& message) {
    std::cerr << program << ": " << message << '\n' << usage;
    std::exit(2);
  };

  bool start_only = false;
  bool reconnect_only = false;
  for (int k = 1; k < argc; ++k) {
    const std::string_view option = argv[k];
    if (option == "--help") {
      std::cout << usage;
      std::exit(0);
    }
    if (options.with_phases && (option == "--start" || option == "--reconnect")) {
      (option == "--start" ? start_only : reconnect_only) = true;
      if (start_only && reconnect_only) fail("--start and --reconnect exclude each other");
      continue;
    }
    if (option != "--delay" && !(options.with_limit && option == "--limit")) {
      fail("unknown argument '" + std::string(option) + "'");
    }
    if (k + 1 == argc) fail(std::string(option) + " needs a value");
    const std::string_view value = argv[++k];
    if (option == "--delay") {
      const auto delay = number_from<std::chrono::milliseconds::rep>(value, 0);
      if (!delay) fail("--delay takes milliseconds (0 or more), not '" + std::string(value) + "'");
      settings.delay = std::chrono::milliseconds(*delay);
    } else {
      const auto limit = number_from<std::size_t>(value, 1);
      if (!limit) {
        fail("--limit takes a number of processes (1 or more), not '" + std::string(value) + "'");
      }
      settings.limit = *limit;
    }
  }
  settings.start = !reconnect_only;
  settings.reconnect = !start_only;
  return settings;
}

}  // namespace detail

/// For a sequential example: the delay per cell, from `--delay MS` (see Settings). `--help`
/// prints the usage and ends the program; a bad command line ends it with exit status 2.
///   const std::chrono::milliseconds delay = grid::delay_from(argc, argv);
inline std::chrono::milliseconds delay_from(int argc, char** argv) {
  return detail::parse(argc, argv, {}).delay;
}

/// For a parallel example: the delay per cell and the process limit, from `--delay MS` and
/// `--limit N` (see Settings); `--help` and bad command lines as for `delay_from`.
///   const grid::Settings settings = grid::settings_from(argc, argv);
inline Settings settings_from(int argc, char** argv) {
  return detail::parse(argc, argv, {.with_limit = true});
}

/// For a background example: as settings_from, with `limit` the example's own default, and
/// `--start` (only start the work, in the background) or `--reconnect` (only collect it).
///   const grid::Settings settings = grid::background_settings_from(argc, argv);
///   if (settings.start) { ... }  if (settings.reconnect) { ... }
inline Settings background_settings_from(int argc, char** argv,
                                         std::size_t limit = Settings{}.limit) {
  return detail::parse(argc, argv, {.with_limit = true, .limit = limit, .with_phases = true});
}

/// Prints kN * kN results as kN lines of kN values separated by single spaces.
///   grid::print(results);
template <class Results>
void print(Results&& results) {
  int column = 0;
  for (const int value : results) std::cout << value << (++column % kN == 0 ? "\n" : " ");
}

/// Measures from its construction; `report` prints "Time taken: <seconds>".
///   const grid::Stopwatch stopwatch;  ...  stopwatch.report();
class Stopwatch {
 public:
  void report() const {
    const std::chrono::duration<double> taken = std::chrono::steady_clock::now() - start_;
    std::cout << "Time taken: " << taken.count() << '\n';
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace grid
