// A text indexer: created processes count the words in slices of the files under a directory.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "pprocess/pprocess.hpp"

namespace {

/// Files given to each created process, and created processes at work at once.
constexpr std::size_t kSliceSize = 5;
constexpr std::size_t kWindowSize = 4;
/// How many of the most frequent words to show.
constexpr std::size_t kTopWords = 5;

/// What one created process sends back: how many text files it read, and their words.
struct Index {
  int files = 0;
  std::map<std::string, int> words;

  // cereal's hook: this is what lets an Index cross a channel.
  template <class Archive>
  void serialize(Archive& archive) {
    archive(files, words);
  }
};

/// Counts the words (runs of letters, lower-cased) of each text file in `filenames`.
Index index_files(const std::vector<std::string>& filenames) {
  Index index;
  for (const std::string& filename : filenames) {
    std::ifstream file(filename, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    if (text.find('\0') != std::string::npos) continue;  // not a text file
    ++index.files;
    std::string word;
    for (const char c : text) {
      if (std::isalpha(static_cast<unsigned char>(c))) {
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else if (!word.empty()) {
        ++index.words[word];
        word.clear();
      }
    }
    if (!word.empty()) ++index.words[word];
  }
  return index;
}

/// Runs in a created process: indexes its slice of the files and sends the result back.
void apply_parser(pprocess::Channel& channel, const std::vector<std::string>& filenames) {
  channel.send(index_files(filenames));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::filesystem::is_directory(argv[1])) {
    std::cerr << "usage: text_indexer DIRECTORY\n";
    return 2;
  }
  const auto started = std::chrono::steady_clock::now();

  std::vector<std::string> filenames;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(argv[1])) {
    if (entry.is_regular_file()) filenames.push_back(entry.path().string());
  }

  // A bare Exchange: we add the channels ourselves and read whichever is ready.
  pprocess::Exchange exchange;
  std::size_t next = 0;
  const auto fill_window = [&] {
    while (next < filenames.size() && exchange.active() < kWindowSize) {
      const std::size_t end = std::min(next + kSliceSize, filenames.size());
      std::vector<std::string> slice(filenames.begin() + static_cast<std::ptrdiff_t>(next),
                                     filenames.begin() + static_cast<std::ptrdiff_t>(end));
      exchange.add(pprocess::start(apply_parser, std::move(slice)));
      next = end;
    }
  };

  Index master;
  fill_window();
  while (exchange.active() > 0) {
    // ready() also drops the channels of processes that have ended, freeing their places.
    for (pprocess::Channel* channel : exchange.ready()) {
      const Index part = channel->receive<Index>();
      master.files += part.files;
      for (const auto& [word, count] : part.words) master.words[word] += count;
    }
    fill_window();
  }

  std::vector<std::pair<std::string, int>> ranked(master.words.begin(), master.words.end());
  std::ranges::stable_sort(ranked, std::ranges::greater{}, &std::pair<std::string, int>::second);
  int total = 0;
  for (const auto& [word, count] : ranked) total += count;

  std::cout << "Files: " << master.files << '\n';
  std::cout << "Words: " << total << " (" << ranked.size() << " distinct)\n";
  std::cout << "Top words:\n";
  for (std::size_t k = 0; k < std::min(kTopWords, ranked.size()); ++k) {
    std::cout << "  " << ranked[k].first << '\t' << ranked[k].second << '\n';
  }
  const std::chrono::duration<double> taken = std::chrono::steady_clock::now() - started;
  std::cout << "Time taken: " << taken.count() << " s\n";
}
