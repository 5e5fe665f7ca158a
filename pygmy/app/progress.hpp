// A one-line progress bar on stderr, drawn only when stderr is a terminal.
#pragma once

#include <cstdio>
#include <string>
#include <utility>

namespace pygmy::app {

// Redraws "[#####-----]  50%  100/200 rows" in place as rows (or other units) complete.
//   ProgressBar bar(ProgressBar::stderr_is_terminal());
//   bar.update(100, 200);
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled, std::string unit = "rows")
      : enabled_(enabled), unit_(std::move(unit)) {}
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  ~ProgressBar() { clear(); }

  [[nodiscard]] static bool stderr_is_terminal();

  // Shows `done` of `total` units; redraws only when the bar would change.
  void update(int done, int total);
  // Erases the bar so the next line starts clean.
  void clear();

 private:
  bool enabled_;
  std::string unit_;
  bool drawn_ = false;
  int last_percent_ = -1;
};

}  // namespace pygmy::app
