// Progress on stderr: a bar on a terminal, a plain line every ten seconds elsewhere.
#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace pygmy::app {

namespace {

constexpr int kMostBar = 30;        // the bar's width at most, in characters
constexpr int kLeastBar = 10;       // narrower than this, it goes
constexpr double kLinePeriod = 10;  // seconds between plain lines

}  // namespace

ProgressBar::ProgressBar(bool enabled, std::string unit, std::FILE* out,
                         std::optional<bool> terminal, int columns)
    : enabled_(enabled),
      unit_(std::move(unit)),
      out_(out),
      terminal_(terminal.value_or(::isatty(::fileno(out)) == 1)),
      columns_(columns) {}

std::string ProgressBar::clock_time(double seconds) {
  const long whole = std::max(0L, std::lround(seconds));
  char text[32];
  if (whole >= 3600) {
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", whole / 3600, whole / 60 % 60, whole % 60);
  } else {
    std::snprintf(text, sizeof text, "%ld:%02ld", whole / 60, whole % 60);
  }
  return text;
}

int ProgressBar::columns() const {
  if (columns_ > 0) return columns_;
  winsize size{};
  if (::ioctl(::fileno(out_), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

void ProgressBar::update(int done, int total) {
  update_at(done, total,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
}

void ProgressBar::update_at(int done, int total, double seconds) {
  if (!enabled_ || total <= 0) return;
  done = std::clamp(done, 0, total);
  const int percent = static_cast<int>(static_cast<long long>(done) * 100 / total);
  const std::string count = std::to_string(done) + "/" + std::to_string(total) + " " + unit_;
  // The time left at the pace so far; none until something is done.
  std::string left;
  if (done > 0 && done < total) {
    left = ", about " + clock_time(seconds * (total - done) / done) + " left";
  }
  if (!terminal_) {
    if (seconds < next_line_at_ || done == total) return;
    next_line_at_ = seconds + kLinePeriod;
    std::fprintf(out_, "pygmy: %d%% (%s), %s so far%s\n", percent, count.c_str(),
                 clock_time(seconds).c_str(), left.c_str());
    std::fflush(out_);
    return;
  }
  const std::string times = clock_time(seconds) + left;
  // Fitted to the width, one column spare (a terminal wraps on writing its last one): the
  // figures first, then a bar as wide as is left, then fewer figures.
  const int width = columns() - 1;
  const std::string figures = std::to_string(percent) + "%  " + count + "  " + times;
  std::string line;
  const int room = width - static_cast<int>(figures.size()) - 4;  // "[", "] ", spaces
  if (room >= kLeastBar) {
    const int bar = std::min(kMostBar, room);
    const int filled = static_cast<int>(static_cast<long long>(done) * bar / total);
    // Appended piece by piece: GCC 12 at -O3 warns (restrict) on "literal" + std::string.
    line.reserve(static_cast<std::size_t>(bar) + figures.size() + 3);
    line.append(1, '[')
        .append(static_cast<std::size_t>(filled), '#')
        .append(static_cast<std::size_t>(bar - filled), '-')
        .append("] ")
        .append(figures);
  } else {
    line = figures.substr(0, static_cast<std::size_t>(std::max(0, width)));
  }
  if (line == last_) return;
  last_ = line;
  std::fprintf(out_, "\r%s\033[K", line.c_str());
  std::fflush(out_);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (!drawn_) return;
  std::fprintf(out_, "\r\033[K");
  std::fflush(out_);
  drawn_ = false;
  last_.clear();
}

}  // namespace pygmy::app
