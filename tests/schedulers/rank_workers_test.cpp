// The processes one rank of an MPI render forks once: a band shared among them has the sequential
// pixels, a worker that stalls or dies has its part rendered by the rank, and none of them
// outlives its RankWorkers.
#include "rank_workers.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"

namespace pygmy::schedulers {
namespace {

Scene small_scene() { return with_size(builtin_scene(), 60, 40); }

TEST(RankWorkersTest, ABandSharedAmongWorkersHasTheSequentialPixels) {
  const Scene scene = small_scene();
  for (unsigned count : {1U, 3U, 5U}) {
    RankWorkers workers(scene, count);
    EXPECT_EQ(workers.size(), count);
    for (const Band band : {Band{0, 40}, Band{5, 7}, Band{39, 40}}) {
      std::vector<std::uint8_t> rows(static_cast<std::size_t>(band.y1 - band.y0) * 60 * 3);
      workers.render(band, rows, [] {});
      EXPECT_EQ(rows, render_band(scene, band.y0, band.y1)) << count << " workers";
    }
  }
}

TEST(RankWorkersTest, BetweenIsCalledOnceForEachWorkersPart) {
  const Scene scene = small_scene();
  RankWorkers workers(scene, 3);
  std::vector<std::uint8_t> rows(10 * 60 * 3);
  int calls = 0;
  workers.render(Band{0, 10}, rows, [&calls] { ++calls; });
  EXPECT_EQ(calls, 3);
  std::vector<std::uint8_t> one_row(60 * 3);
  workers.render(Band{3, 4}, one_row, [&calls] { ++calls; });
  EXPECT_EQ(calls, 4);  // a single row is one part
}

TEST(RankWorkersTest, AStalledWorkerIsEndedAtTheDeadlineAndItsPartRenderedHere) {
  const Scene scene = small_scene();
  {
    // Worker 1 stops (SIGSTOP) as it starts its second part: it would never answer.
    RankWorkers workers(scene, 3, std::chrono::milliseconds(300), [](unsigned worker, int part) {
      if (worker == 1 && part == 2) ::raise(SIGSTOP);
    });
    for (const Band band : {Band{0, 12}, Band{12, 30}, Band{30, 40}}) {
      std::vector<std::uint8_t> rows(static_cast<std::size_t>(band.y1 - band.y0) * 60 * 3);
      workers.render(band, rows, [] {});
      EXPECT_EQ(rows, render_band(scene, band.y0, band.y1)) << band.y0;
    }
    EXPECT_EQ(workers.ended(), 1U);
    EXPECT_EQ(workers.size(), 2U);
  }
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(RankWorkersTest, AWorkerThatDiesHasItsPartRenderedHereAndTheOthersGoOn) {
  const Scene scene = small_scene();
  RankWorkers workers(scene, 2, std::nullopt, [](unsigned worker, int part) {
    if (worker == 0 && part == 1) ::raise(SIGKILL);
  });
  for (const Band band : {Band{0, 20}, Band{20, 40}}) {
    std::vector<std::uint8_t> rows(static_cast<std::size_t>(band.y1 - band.y0) * 60 * 3);
    workers.render(band, rows, [] {});
    EXPECT_EQ(rows, render_band(scene, band.y0, band.y1)) << band.y0;
  }
  EXPECT_EQ(workers.ended(), 1U);
  EXPECT_EQ(workers.size(), 1U);
}

TEST(RankWorkersTest, WithEveryWorkerEndedThisProcessRendersAlone) {
  const Scene scene = small_scene();
  RankWorkers workers(scene, 1, std::nullopt, [](unsigned, int) { ::raise(SIGKILL); });
  int calls = 0;
  for (const Band band : {Band{0, 20}, Band{20, 40}}) {
    std::vector<std::uint8_t> rows(static_cast<std::size_t>(band.y1 - band.y0) * 60 * 3);
    workers.render(band, rows, [&calls] { ++calls; });
    EXPECT_EQ(rows, render_band(scene, band.y0, band.y1)) << band.y0;
  }
  EXPECT_EQ(workers.size(), 0U);
  EXPECT_EQ(calls, 2);
}

TEST(RankWorkersTest, NoWorkerOutlivesItsRankWorkers) {
  const Scene scene = small_scene();
  {
    RankWorkers workers(scene, 2);
    std::vector<std::uint8_t> rows(4 * 60 * 3);
    workers.render(Band{0, 4}, rows, [] {});
  }
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

}  // namespace
}  // namespace pygmy::schedulers
