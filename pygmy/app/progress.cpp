// A one-line progress bar on stderr, drawn only when stderr is a terminal.
#include "progress.hpp"

#include <unistd.h>

#include <string>

namespace pygmy::app {

namespace {
constexpr int kWidth = 30;
}

bool ProgressBar::stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

void ProgressBar::update(int done, int total) {
  if (!enabled_ || total <= 0) {
    return;
  }
  const int percent = done * 100 / total;
  if (percent == last_percent_) {
    return;
  }
  last_percent_ = percent;
  const int filled = done * kWidth / total;
  const std::string bar = std::string(static_cast<std::size_t>(filled), '#') +
                          std::string(static_cast<std::size_t>(kWidth - filled), '-');
  std::fprintf(stderr, "\r[%s] %3d%%  %d/%d %s", bar.c_str(), percent, done, total, unit_.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (!drawn_) {
    return;
  }
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace pygmy::app
