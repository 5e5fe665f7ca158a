// Progress on stderr: a bar redrawn in place on a terminal, a plain line every ten seconds
// elsewhere (a log, a pipe), each with the time so far and an estimate of the time left.
#pragma once

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

namespace pygmy::app {

// Shows how far a job has come. On a terminal:
//   "[##########----------]  50%  100/200 rows  0:12, about 0:12 left"
// fitted to the terminal's width (the bar shrinks, then the figures go); elsewhere, one line
// "pygmy: 50% (100/200 rows), 0:12 so far, about 0:12 left" every ten seconds, none for a job
// done sooner.
//   ProgressBar bar(!options.quiet);
//   bar.update(100, 200);
class ProgressBar {
 public:
  // Shows nothing unless `enabled` (false for -q). `out` and `terminal` are for tests: whether
  // `out` is a terminal is asked of the system when `terminal` is unset, and so is its width
  // when `columns` is 0.
  explicit ProgressBar(bool enabled, std::string unit = "rows", std::FILE* out = stderr,
                       std::optional<bool> terminal = std::nullopt, int columns = 0);
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  ~ProgressBar() { clear(); }

  // Shows `done` of `total` units, now.
  void update(int done, int total);
  // Shows `done` of `total` units `seconds` after the start: what update() does, at a given time.
  void update_at(int done, int total, double seconds);
  // Erases the bar so the next line starts clean (a terminal's; lines stay).
  void clear();

  // "0:07", "12:30", "1:02:03".
  [[nodiscard]] static std::string clock_time(double seconds);

 private:
  [[nodiscard]] int columns() const;

  bool enabled_;
  std::string unit_;
  std::FILE* out_;
  bool terminal_;
  int columns_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  bool drawn_ = false;
  std::string last_;          // the terminal line last drawn
  double next_line_at_ = 10;  // seconds: when the next plain line is due
};

}  // namespace pygmy::app
