// The command line of the examples that take no arguments: nothing, or `--help`.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

namespace usage {

/// Returns when the command line is empty. Otherwise the first argument decides: `--help` prints
/// the usage ("usage: <program>", then `about`) on stdout and ends the program with exit status 0;
/// anything else is an error on stderr, with the usage, and ends it with exit status 2.
///   usage::no_arguments(argc, argv, "Counts to 100 with a created process.\n");
inline void no_arguments(int argc, char** argv, std::string_view about) {
  if (argc < 2) return;
  const std::string program = std::filesystem::path(argv[0]).filename().string();
  const std::string usage = "usage: " + program + "\n" + std::string(about);
  if (std::string_view(argv[1]) == "--help") {
    std::cout << usage;
    std::exit(0);
  }
  std::cerr << program << ": unexpected argument '" << argv[1] << "'\n" << usage;
  std::exit(2);
}

}  // namespace usage
