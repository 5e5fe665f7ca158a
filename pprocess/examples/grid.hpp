// What every grid example shares: the grid's size, the command line (the delay per cell and the
// process limit), and printing the grid and the time taken as the original examples do.
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

/// Reads `--delay MS`, `--limit N` (when `with_limit`) and `--help`. Help ends the program;
/// so does a bad command line, with a message and exit status 2.
inline Settings parse(int argc, char** argv, bool with_limit) {
  const std::string program =
      argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "grid";
  const Settings defaults;
  std::string usage = "usage: " + program + " [--delay MS]" + (with_limit ? " [--limit N]" : "");
  usage += "\n  --delay MS  pretend work per cell, in milliseconds (default " +
           std::to_string(defaults.delay.count()) + ")\n";
  if (with_limit) {
    usage += "  --limit N   the most processes at once (default " + std::to_string(defaults.limit) +
             ")\n";
  }
  const auto fail = [&](const std::string& message) {
    std::cerr << program << ": " << message << '\n' << usage;
    std::exit(2);
  };

  Settings settings;
  for (int k = 1; k < argc; ++k) {
    const std::string_view option = argv[k];
    if (option == "--help") {
      std::cout << usage;
      std::exit(0);
    }
    if (option != "--delay" && !(with_limit && option == "--limit")) {
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
  return settings;
}

}  // namespace detail

/// For a sequential example: the delay per cell, from `--delay MS` (see Settings). `--help`
/// prints the usage and ends the program; a bad command line ends it with exit status 2.
///   const std::chrono::milliseconds delay = grid::delay_from(argc, argv);
inline std::chrono::milliseconds delay_from(int argc, char** argv) {
  return detail::parse(argc, argv, false).delay;
}

/// For a parallel example: the delay per cell and the process limit, from `--delay MS` and
/// `--limit N` (see Settings); `--help` and bad command lines as for `delay_from`.
///   const grid::Settings settings = grid::settings_from(argc, argv);
inline Settings settings_from(int argc, char** argv) { return detail::parse(argc, argv, true); }

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
