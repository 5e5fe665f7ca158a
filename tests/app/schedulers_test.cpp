// The schedulers: byte-identical images for any scheduler, process count and band size, and no
// band lost when a worker dies.
#include "schedulers.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <string>
#include <tuple>

#include <gtest/gtest.h>

#include "pygmy/scene.hpp"

namespace pygmy::app {
namespace {

/// The built-in scene, smaller so that every combination stays quick.
Scene small_scene() { return with_size(builtin_scene(), 120, 80); }

const Image& reference() {
  static const Image image = render_sequential(small_scene());
  return image;
}

void expect_no_child_left() {
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

class SchedulerTest : public ::testing::TestWithParam<std::tuple<Scheduler, unsigned, int>> {};

TEST_P(SchedulerTest, GivesTheSequentialPixelsExactly) {
  const auto [scheduler, processes, band_rows] = GetParam();
  RenderPlan plan;
  plan.scheduler = scheduler;
  plan.processes = processes;
  plan.band_rows = band_rows;
  int last_done = 0;
  plan.progress = [&](int done, int total) {
    EXPECT_GT(done, last_done);
    EXPECT_EQ(total, 80);
    last_done = done;
  };
  const Image image = render(small_scene(), plan);
  EXPECT_TRUE(image == reference());
  EXPECT_EQ(last_done, 80);
  expect_no_child_left();
}

std::string name_of_case(const ::testing::TestParamInfo<SchedulerTest::ParamType>& info) {
  const auto [scheduler, processes, band_rows] = info.param;
  return std::string(name_of(scheduler)) + "_j" + std::to_string(processes) + "_rows" +
         std::to_string(band_rows);
}

INSTANTIATE_TEST_SUITE_P(EveryScheduler, SchedulerTest,
                         ::testing::Combine(::testing::ValuesIn(all_schedulers()),
                                            ::testing::Values(1U, 2U, 3U),
                                            ::testing::Values(1, 7, 64, 80)),
                         name_of_case);

class RetryTest : public ::testing::TestWithParam<Scheduler> {};

TEST_P(RetryTest, AWorkerKilledMidBandHasItsBandRenderedAgain) {
  RenderPlan plan;
  plan.scheduler = GetParam();
  plan.processes = 2;
  plan.band_rows = 8;
  plan.before_band = [](const Band& band, int attempt) {
    if ((band.y0 == 16 || band.y0 == 48) && attempt == 1) ::raise(SIGKILL);
  };
  EXPECT_TRUE(render(small_scene(), plan) == reference());
  expect_no_child_left();
}

TEST_P(RetryTest, ABandThatAlwaysKillsItsWorkerFailsAfterTheAttemptsWithAClearError) {
  RenderPlan plan;
  plan.scheduler = GetParam();
  plan.processes = 2;
  plan.band_rows = 8;
  plan.max_attempts = 2;
  plan.before_band = [](const Band& band, int) {
    if (band.y0 == 24) ::raise(SIGKILL);
  };
  try {
    static_cast<void>(render(small_scene(), plan));
    FAIL() << "expected RenderError";
  } catch (const RenderError& e) {
    EXPECT_NE(std::string(e.what()).find("rows 24-31"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("failed 2 times"), std::string::npos) << e.what();
  }
  expect_no_child_left();
}

INSTANTIATE_TEST_SUITE_P(ProcessSchedulers, RetryTest,
                         ::testing::Values(Scheduler::exchange, Scheduler::map, Scheduler::queue,
                                           Scheduler::reuse, Scheduler::shared),
                         [](const auto& info) { return std::string(name_of(info.param)); });

TEST(SchedulerNamesTest, EveryNameRoundTripsAndUnknownNamesAreNone) {
  for (Scheduler scheduler : all_schedulers()) {
    EXPECT_EQ(scheduler_named(name_of(scheduler)), scheduler);
  }
  EXPECT_FALSE(scheduler_named("fastest"));
}

}  // namespace
}  // namespace pygmy::app
