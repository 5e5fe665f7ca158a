// A text indexer on the raw Exchange: a sliding window of created processes parses the files of a
// directory, a few files each, streaming every word they find back to the creator, which then
// answers searches for the words that start with a pattern (or, with --noprompt, ends there).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "pprocess/pprocess.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: text_indexer DIRECTORY [WINDOW [SLICE [DELAY]]] [--noprompt]\n"
    "Indexes the words of the files in DIRECTORY, then reads patterns, one a line, and prints\n"
    "the words that start with each pattern and the files they are in.\n"
    "  WINDOW      how many processes parse files at once (default 4)\n"
    "  SLICE       how many files each process is given (default 5)\n"
    "  DELAY       seconds each process waits after each file, as if working hard (default 0)\n"
    "  --noprompt  only index the files, then end (to time the indexing)\n";

/// What a parser sends: a word and a file it is in, once for each distinct word of each file.
using Entry = std::pair<std::string, std::string>;

/// The words found and, for each, the files it is in. Sorted, so the words that start with a
/// pattern are the run that begins at lower_bound(pattern): a prefix index.
using Index = std::map<std::string, std::set<std::string>>;

/// `token` cut down to its first run of letters and digits: "(Hello," gives "Hello".
std::string strip(const std::string& token) {
  const auto alphanumeric = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  const auto begin = std::find_if(token.begin(), token.end(), alphanumeric);
  return {begin, std::find_if_not(begin, token.end(), alphanumeric)};
}

/// Runs in a created process: sends an Entry for each distinct word of each file, waiting
/// `delay` after each file to stand in for heavier processing.
void apply_parser(pprocess::Channel& channel, const std::vector<std::string>& filenames,
                  std::chrono::duration<double> delay) {
  for (const std::string& filename : filenames) {
    std::ifstream file(filename);
    std::set<std::string> words;
    std::string token;
    while (file >> token) {
      std::string word = strip(token);
      if (!word.empty() && words.insert(word).second) channel.send(Entry{word, filename});
    }
    std::this_thread::sleep_for(delay);
  }
}

/// Prints the words that start with `pattern` and their files, in the original's notation:
/// {'word': ['file', ...], ...}, or [] when there are none.
void print_matches(const Index& index, const std::string& pattern) {
  const auto first = index.lower_bound(pattern);
  const auto last = std::find_if_not(
      first, index.end(), [&](const auto& entry) { return entry.first.starts_with(pattern); });
  if (first == last) {
    std::cout << "[]\n";
    return;
  }
  std::cout << '{';
  for (auto word = first; word != last; ++word) {
    std::cout << (word == first ? "" : ", ") << std::quoted(word->first, '\'') << ": [";
    const char* separator = "";
    for (const std::string& file : word->second) {
      std::cout << separator << std::quoted(file, '\'');
      separator = ", ";
    }
    std::cout << ']';
  }
  std::cout << "}\n";
}

/// `text` read as a number of at least `least`; nullopt for anything else.
template <class Number>
std::optional<Number> number_from(std::string_view text, Number least) {
  Number value{};
  const char* const end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc{} || stop != end || !(value >= least)) return std::nullopt;
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> arguments;
  bool search = true;
  for (int k = 1; k < argc; ++k) {
    const std::string_view argument = argv[k];
    if (argument == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (argument == "--noprompt") {
      search = false;
    } else if (argument.starts_with("--") || arguments.size() == 4) {
      std::cerr << "text_indexer: unexpected argument '" << argument << "'\n" << kUsage;
      return 2;
    } else {
      arguments.push_back(argument);
    }
  }
  if (arguments.empty()) {
    std::cout << kUsage;
    return 1;
  }
  const std::optional<std::size_t> window =
      arguments.size() > 1 ? number_from<std::size_t>(arguments[1], 1) : 4;
  const std::optional<std::size_t> slice =
      arguments.size() > 2 ? number_from<std::size_t>(arguments[2], 1) : 5;
  const std::optional<double> delay =
      arguments.size() > 3 ? number_from<double>(arguments[3], 0) : 0.0;
  if (!window || !slice || !delay || !std::isfinite(*delay)) {
    std::cerr << "text_indexer: WINDOW and SLICE must be whole numbers of at least 1, DELAY a "
                 "number of seconds\n"
              << kUsage;
    return 2;
  }

  // The files of the directory (not of its subdirectories), in a fixed order.
  std::vector<std::string> filenames;
  std::error_code error;
  for (std::filesystem::directory_iterator entry(arguments[0], error), end; !error && entry != end;
       entry.increment(error)) {
    if (entry->is_regular_file()) filenames.push_back(entry->path().string());
  }
  if (error) {
    std::cerr << "text_indexer: " << arguments[0] << ": " << error.message() << '\n';
    return 1;
  }
  std::ranges::sort(filenames);

  // A bare Exchange: we add the channels ourselves and read whichever is ready.
  pprocess::Exchange exchange;
  std::size_t next = 0;
  // Starts parsers on the next slices of files until `window` of them are at work.
  const auto fill_window = [&] {
    while (next < filenames.size() && exchange.active() < *window) {
      const std::size_t end = std::min(next + *slice, filenames.size());
      std::vector<std::string> some(filenames.begin() + static_cast<std::ptrdiff_t>(next),
                                    filenames.begin() + static_cast<std::ptrdiff_t>(end));
      exchange.add(
          pprocess::start(apply_parser, std::move(some), std::chrono::duration<double>(*delay)));
      next = end;
    }
  };

  Index index;
  fill_window();
  while (exchange.active() > 0) {
    // ready() also drops the channels of parsers that have ended, which frees their places.
    for (pprocess::Channel* channel : exchange.ready()) {
      auto [word, filename] = channel->receive<Entry>();
      index[std::move(word)].insert(std::move(filename));
    }
    fill_window();
  }
  if (!search) return 0;  // --noprompt: the index alone, as the original's does, to time it

  std::string pattern;
  for (;;) {
    std::cout << "Pattern: ";  // reading std::cin flushes it first
    if (!std::getline(std::cin, pattern)) break;
    print_matches(index, pattern);
  }
  std::cout << '\n';  // end the prompt that met the end of the input
}
