// Progress: a bar that fits the terminal with the time left, and plain lines every ten seconds
// where stderr is no terminal.
#include "progress.hpp"

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

namespace pygmy::app {
namespace {

// What `write` put into a temporary file, read back.
template <class Write>
std::string written(Write write) {
  std::FILE* file = std::tmpfile();
  write(file);
  std::fflush(file);
  std::rewind(file);
  std::string text;
  for (int c = std::fgetc(file); c != EOF; c = std::fgetc(file)) text += static_cast<char>(c);
  std::fclose(file);
  return text;
}

TEST(ProgressBarTest, ClockTimesAreMinutesAndSecondsOrHours) {
  EXPECT_EQ(ProgressBar::clock_time(7), "0:07");
  EXPECT_EQ(ProgressBar::clock_time(750), "12:30");
  EXPECT_EQ(ProgressBar::clock_time(3723), "1:02:03");
  EXPECT_EQ(ProgressBar::clock_time(-1), "0:00");
}

TEST(ProgressBarTest, OnATerminalTheBarShowsTheTimeSoFarAndLeft) {
  const std::string text = written([](std::FILE* out) {
    ProgressBar bar(true, "rows", out, true, 100);
    bar.update_at(50, 200, 10);
  });
  EXPECT_NE(text.find("25%  50/200 rows  0:10, about 0:30 left"), std::string::npos) << text;
  EXPECT_NE(text.find("[#######"), std::string::npos) << text;
}

TEST(ProgressBarTest, TheBarNeverWrapsInANarrowTerminal) {
  for (const int columns : {20, 30, 45, 60, 200}) {
    const std::string text = written([columns](std::FILE* out) {
      ProgressBar bar(true, "rows", out, true, columns);
      bar.update_at(123, 4567, 100);
      bar.update_at(4000, 4567, 1000);
    });
    // Each redraw: "\r", the line, then the erase to its end.
    std::size_t at = 0;
    while ((at = text.find('\r', at)) != std::string::npos) {
      const std::size_t end = text.find("\033[K", at);
      ASSERT_NE(end, std::string::npos);
      EXPECT_LT(static_cast<int>(end - at - 1), columns) << text;
      at = end;
    }
  }
}

TEST(ProgressBarTest, ElsewhereAPlainLineComesEveryTenSecondsAndNoneForAShortJob) {
  const std::string short_job = written([](std::FILE* out) {
    ProgressBar bar(true, "rows", out, false);
    bar.update_at(100, 200, 3);
    bar.update_at(200, 200, 6);
  });
  EXPECT_EQ(short_job, "");
  const std::string long_job = written([](std::FILE* out) {
    ProgressBar bar(true, "rows", out, false);
    bar.update_at(10, 200, 5);
    bar.update_at(40, 200, 10.5);  // the first line
    bar.update_at(50, 200, 15);    // too soon for another
    bar.update_at(100, 200, 21);   // the second
    bar.update_at(200, 200, 40);   // done: nothing more
  });
  EXPECT_EQ(long_job,
            "pygmy: 20% (40/200 rows), 0:11 so far, about 0:42 left\n"
            "pygmy: 50% (100/200 rows), 0:21 so far, about 0:21 left\n");
}

TEST(ProgressBarTest, QuietShowsNothing) {
  const std::string text = written([](std::FILE* out) {
    ProgressBar bar(false, "rows", out, true, 80);
    bar.update_at(1, 2, 100);
    ProgressBar lines(false, "rows", out, false);
    lines.update_at(1, 2, 100);
  });
  EXPECT_EQ(text, "");
}

}  // namespace
}  // namespace pygmy::app
