// The schedulers: byte-identical images for any scheduler, process count and band size, and no
// band lost when a worker dies.
#include "pygmy/schedulers.hpp"

#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "pprocess/channel.hpp"
#include "pygmy/mpi.hpp"
#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"

namespace pygmy::schedulers {
namespace {

/// The built-in scene, smaller so that every combination stays quick.
Scene small_scene() { return with_size(builtin_scene(), 120, 80); }

const Image& reference() {
  static const Image image = render_sequential(small_scene());
  return image;
}

/// What the tracer does for the whole of small_scene(), in one call.
const RenderCounters& reference_counters() {
  static const RenderCounters counters = [] {
    const Scene scene = small_scene();
    std::vector<std::uint8_t> rows(static_cast<std::size_t>(scene.width) * scene.height * 3);
    return render_band_into(scene, 0, scene.height, rows, best_kernel());
  }();
  return counters;
}

void expect_no_child_left() {
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

/// Every scheduler that renders in this process, the default first (not mpi, tested under
/// mpirun by mpi_command_tests).
std::vector<std::string_view> every_scheduler() {
  std::vector<std::string_view> names;
  for (const Scheduler& scheduler : all_schedulers()) {
    if (scheduler.renders_here()) names.push_back(scheduler.name);
  }
  return names;
}

class SchedulerTest : public ::testing::TestWithParam<std::tuple<std::string_view, unsigned, int>> {
};

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
  const Rendered rendered = render(small_scene(), plan);
  EXPECT_TRUE(rendered.image == reference());
  EXPECT_EQ(last_done, 80);
  // Every worker's bands counted once, whether it is a thread or a forked process.
  EXPECT_EQ(rendered.stats.counters, reference_counters());
  expect_no_child_left();
}

std::string name_of_case(const ::testing::TestParamInfo<SchedulerTest::ParamType>& info) {
  const auto [scheduler, processes, band_rows] = info.param;
  return std::string(scheduler) + "_j" + std::to_string(processes) + "_rows" +
         std::to_string(band_rows);
}

INSTANTIATE_TEST_SUITE_P(EveryScheduler, SchedulerTest,
                         ::testing::Combine(::testing::ValuesIn(every_scheduler()),
                                            ::testing::Values(1U, 2U, 3U),
                                            ::testing::Values(1, 7, 64, 80)),
                         name_of_case);

class RetryTest : public ::testing::TestWithParam<std::string_view> {};

TEST_P(RetryTest, AWorkerKilledMidBandHasItsBandRenderedAgain) {
  RenderPlan plan;
  plan.scheduler = GetParam();
  plan.processes = 2;
  plan.band_rows = 8;
  plan.before_band = [](const Band& band, int attempt) {
    if ((band.y0 == 16 || band.y0 == 48) && attempt == 1) ::raise(SIGKILL);
  };
  EXPECT_TRUE(render(small_scene(), plan).image == reference());
  expect_no_child_left();
}

TEST_P(RetryTest, AStalledWorkerHasItsBandRenderedAgainAfterTheBandTimeout) {
  RenderPlan plan;
  plan.scheduler = GetParam();
  plan.processes = 2;
  plan.band_rows = 8;
  plan.band_timeout = std::chrono::milliseconds(500);
  plan.before_band = [](const Band& band, int attempt) {
    if (band.y0 == 40 && attempt == 1) ::raise(SIGSTOP);
  };
  const Rendered rendered = render(small_scene(), plan);
  EXPECT_TRUE(rendered.image == reference());
  EXPECT_EQ(rendered.stats.passes, 2U);
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
                         ::testing::Values("pool", "exchange", "map", "queue", "reuse", "shared"),
                         [](const auto& info) { return std::string(info.param); });

TEST(SchedulerTableTest, EveryNameIsFoundAndAnUnknownOneIsAnErrorNamingTheKnownOnes) {
  for (const Scheduler& scheduler : all_schedulers()) {
    EXPECT_EQ(scheduler_named(scheduler.name).name, scheduler.name);
  }
  try {
    static_cast<void>(scheduler_named("fastest"));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("fastest"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("pool"), std::string::npos) << e.what();
  }
}

TEST(SchedulerTableTest, TheDefaultComesFirstAndForksOnce) {
  EXPECT_EQ(all_schedulers().front().name, kDefaultScheduler);
  EXPECT_EQ(scheduler_named(kDefaultScheduler).workers, Workers::forked_once);
}

TEST(RenderStatsTest, TheDefaultRendersInThisProcessAndForksTheOtherWorkersOnce) {
  RenderPlan plan;
  plan.processes = 2;
  plan.band_rows = 4;
  const Rendered rendered = render(small_scene(), plan);
  EXPECT_EQ(rendered.stats.scheduler, "pool");
  EXPECT_EQ(rendered.stats.bands, 20U);
  EXPECT_EQ(rendered.stats.forks, 1U);
  EXPECT_GE(rendered.stats.workers, 1U);
  EXPECT_LE(rendered.stats.workers, 2U);
  ASSERT_EQ(rendered.stats.band_worker.size(), 20U);
  for (const int worker : rendered.stats.band_worker) EXPECT_LT(worker, 2);
  expect_no_child_left();
}

TEST(RenderStatsTest, AtOneProcessTheDefaultForksNothing) {
  RenderPlan plan;
  plan.processes = 1;
  const Rendered rendered = render(small_scene(), plan);
  EXPECT_TRUE(rendered.image == reference());
  EXPECT_EQ(rendered.stats.forks, 0U);
  EXPECT_EQ(rendered.stats.workers, 1U);
}

TEST(RenderStatsTest, ExchangeForksAProcessForEveryBand) {
  RenderPlan plan;
  plan.scheduler = "exchange";
  plan.processes = 2;
  plan.band_rows = 8;
  const Rendered rendered = render(small_scene(), plan);
  EXPECT_EQ(rendered.stats.bands, 10U);
  EXPECT_EQ(rendered.stats.forks, 10U);
  EXPECT_EQ(rendered.stats.workers, 10U);
}

TEST(RenderStatsTest, EveryProcessForkedForABandIsAWorkerOfItsOwn) {
  for (const std::string_view scheduler : {"exchange", "map", "queue", "shared"}) {
    RenderPlan plan;
    plan.scheduler = scheduler;
    plan.processes = 3;
    plan.band_rows = 2;
    const Rendered rendered = render(small_scene(), plan);
    EXPECT_EQ(rendered.stats.forks, 40U) << scheduler;
    EXPECT_EQ(rendered.stats.workers, 40U) << scheduler;
    std::set<int> numbers(rendered.stats.band_worker.begin(), rendered.stats.band_worker.end());
    EXPECT_EQ(numbers.size(), 40U) << scheduler;
    EXPECT_EQ(*numbers.rbegin(), 39) << scheduler;
  }
  expect_no_child_left();
}

TEST(RenderStatsTest, AProcessForkedOnceIsOneWorkerHoweverManyBandsItRenders) {
  for (const std::string_view scheduler : {"pool", "reuse"}) {
    RenderPlan plan;
    plan.scheduler = scheduler;
    plan.processes = 2;
    plan.band_rows = 2;
    const Rendered rendered = render(small_scene(), plan);
    EXPECT_GE(rendered.stats.workers, 1U) << scheduler;
    EXPECT_LE(rendered.stats.workers, 2U) << scheduler;
    for (const int worker : rendered.stats.band_worker) EXPECT_LT(worker, 2) << scheduler;
  }
  expect_no_child_left();
}

TEST(RenderStatsTest, ARetriedBandsNewProcessIsAnotherWorker) {
  RenderPlan plan;
  plan.scheduler = "reuse";
  plan.processes = 1;
  plan.band_rows = 8;
  plan.before_band = [](const Band& band, int attempt) {
    if (band.y0 == 72 && attempt == 1) ::raise(SIGKILL);
  };
  const Rendered rendered = render(small_scene(), plan);
  EXPECT_EQ(rendered.stats.passes, 2U);
  // One process rendered the first nine bands; the last, in the second pass, another.
  EXPECT_EQ(rendered.stats.workers, 2U);
  EXPECT_EQ(rendered.stats.band_worker.front(), 0);
  EXPECT_EQ(rendered.stats.band_worker.back(), 1);
  expect_no_child_left();
}

TEST(RenderStatsTest, ARetriedBandCountsItsForksAndPasses) {
  RenderPlan plan;
  plan.scheduler = "exchange";
  plan.processes = 2;
  plan.band_rows = 8;
  plan.before_band = [](const Band& band, int attempt) {
    if (band.y0 == 16 && attempt == 1) ::raise(SIGKILL);
  };
  const Rendered rendered = render(small_scene(), plan);
  EXPECT_EQ(rendered.stats.passes, 2U);
  EXPECT_EQ(rendered.stats.forks, 11U);
}

// How a render in a process that may create no other process or thread ended.
enum Alone : int {
  kRenderedAlone = 0,     // the sequential image, with processes_allowed 1
  kWrongImage = 1,        // rendered, but not the sequential image
  kNotReported = 2,       // rendered, but processes_allowed is not 1
  kThrew = 3,             // the render failed
  kNoOtherUser = 4,       // root, and could not become `nobody`
  kLimitNotEnforced = 5,  // a fork still succeeded: the test cannot run here
};

// Renders with `scheduler` at -j 3 in a forked process under RLIMIT_NPROC 1 (as `nobody` when
// this is root, which the limit does not bind), where neither fork nor a new thread succeeds;
// returns how it ended (its exit code).
int render_where_nothing_can_be_created(std::string_view scheduler) {
  static_cast<void>(reference());  // computed here, inherited by the child
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (::geteuid() == 0) {
      constexpr uid_t kNobody = 65534;
      if (::setgroups(0, nullptr) != 0 || ::setresgid(kNobody, kNobody, kNobody) != 0 ||
          ::setresuid(kNobody, kNobody, kNobody) != 0) {
        ::_exit(kNoOtherUser);
      }
    }
    const rlimit one{1, 1};
    if (::setrlimit(RLIMIT_NPROC, &one) != 0) ::_exit(kLimitNotEnforced);
    if (const pid_t probe = ::fork(); probe >= 0) {
      if (probe == 0) ::_exit(0);
      ::waitpid(probe, nullptr, 0);
      ::_exit(kLimitNotEnforced);
    }
    try {
      const Rendered rendered =
          render(small_scene(), {.scheduler = scheduler, .processes = 3, .band_rows = 8});
      if (!(rendered.image == reference())) ::_exit(kWrongImage);
      ::_exit(rendered.stats.processes_allowed == 1U ? kRenderedAlone : kNotReported);
    } catch (...) {
      ::_exit(kThrew);
    }
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST(ShortageTest, ThreadsGoOnInThisThreadWhenNoThreadCanBeCreatedAndSaySo) {
  const int outcome = render_where_nothing_can_be_created("threads");
  if (outcome == kLimitNotEnforced || outcome == kNoOtherUser) {
    GTEST_SKIP() << "RLIMIT_NPROC does not bind here";
  }
  EXPECT_EQ(outcome, kRenderedAlone);
  expect_no_child_left();
}

TEST(ShortageTest, ThePoolGoesOnInThisProcessWhenNoProcessCanBeForkedAndSaysSo) {
  const int outcome = render_where_nothing_can_be_created("pool");
  if (outcome == kLimitNotEnforced || outcome == kNoOtherUser) {
    GTEST_SKIP() << "RLIMIT_NPROC does not bind here";
  }
  EXPECT_EQ(outcome, kRenderedAlone);
  expect_no_child_left();
}

TEST(BandDeadlineTest, NoneUntilABandFinishesThenTwentyMediansAndNeverUnderThirtySeconds) {
  using std::chrono::milliseconds;
  EXPECT_FALSE(band_deadline({}).has_value());
  EXPECT_EQ(band_deadline({milliseconds(40), milliseconds(50), milliseconds(45)}),
            milliseconds(30'000));
  EXPECT_EQ(band_deadline({milliseconds(2'000), milliseconds(9'000), milliseconds(3'000)}),
            milliseconds(60'000));
}

TEST(BandRowsTest, WithoutBandRowsEveryWorkerGetsSeveralBands) {
  for (const Scheduler& scheduler : all_schedulers()) {
    for (const unsigned processes : {1U, 2U, 16U}) {
      const int rows = default_band_rows(scheduler, 1500, 1000, processes);
      const auto bands = split_rows(1000, rows).size();
      EXPECT_GE(bands, 3U * processes) << scheduler.name << " -j " << processes;
    }
  }
}

TEST(BandRowsTest, ABandNeverHoldsMorePixelsThanOneFrameWhateverIsAsked) {
  const Scene wide = with_size(builtin_scene(), 60000, 6000);
  RenderPlan plan;
  plan.band_rows = 6000;  // one band: 1 GB of pixels, more than a frame holds
  const int rows = layout(wide, plan).band_rows;
  EXPECT_LT(rows, 6000);
  EXPECT_LE(static_cast<std::uint64_t>(rows) * 60000 * 3, pprocess::kMaxMessageBytes);
  EXPECT_GE(most_band_rows(1), 1);
}

TEST(LayoutTest, IsSettledOnceFromThePlanWithTheBandsThatCoverTheImage) {
  const Scene scene = with_size(builtin_scene(), 300, 200);
  const Layout exchange =
      layout(scene, {.scheduler = "exchange", .processes = 2, .band_rows = std::nullopt});
  EXPECT_EQ(exchange.scheduler->name, "exchange");
  EXPECT_EQ(exchange.processes, 2U);
  EXPECT_TRUE(exchange.planned);
  // One worker, nothing to plan: the default rows.
  const Layout one = layout(scene, {.scheduler = "exchange", .processes = 1});
  EXPECT_FALSE(one.planned);
  EXPECT_EQ(one.band_rows, default_band_rows(*one.scheduler, 300, 200, 1));
  EXPECT_EQ(one.bands, split_rows(200, one.band_rows));
  // A scheduler without workers runs one process, whatever -j says.
  EXPECT_EQ(layout(scene, {.scheduler = "sequential", .processes = 4}).processes, 1U);
  // Band rows asked for are kept, within the image.
  EXPECT_EQ(layout(scene, {.scheduler = "pool", .band_rows = 7}).band_rows, 7);
  EXPECT_EQ(layout(scene, {.scheduler = "pool", .band_rows = 900}).band_rows, 200);
  EXPECT_THROW(static_cast<void>(layout(scene, {.scheduler = "fastest"})), std::invalid_argument);
}

TEST(LayoutTest, ARenderReportsTheLayoutItWasPlannedWithAndWhatItCost) {
  const Scene scene = with_size(builtin_scene(), 120, 80);
  const RenderPlan plan{.scheduler = "pool", .processes = 2};
  const Layout planned = layout(scene, plan);
  const RenderStats stats = render(scene, plan).stats;
  EXPECT_EQ(stats.scheduler, "pool");
  EXPECT_EQ(stats.band_rows, planned.band_rows);
  EXPECT_EQ(stats.bands, planned.bands.size());
  EXPECT_EQ(stats.processes, planned.processes);
  EXPECT_GT(stats.seconds, 0);
  EXPECT_GT(stats.cpu_seconds, 0);
}

TEST(SchedulerTableTest, MpiIsARowExactlyWhenThisBuildHasMpiAndNeverRendersHere) {
  bool listed = false;
  for (const Scheduler& scheduler : all_schedulers()) {
    if (scheduler.name == mpi::kName) {
      listed = true;
      EXPECT_FALSE(scheduler.renders_here());
      EXPECT_EQ(scheduler.workers, Workers::ranks);
    } else {
      EXPECT_TRUE(scheduler.renders_here()) << scheduler.name;
    }
  }
  EXPECT_EQ(listed, mpi::built());
  if (mpi::built()) {
    EXPECT_THROW(static_cast<void>(render(builtin_scene(), {.scheduler = mpi::kName})),
                 std::invalid_argument);
  } else {
    try {
      static_cast<void>(scheduler_named(mpi::kName));
      FAIL() << "no error";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()), mpi::kNotBuilt);
    }
  }
}

struct OptionalScheduler {
  std::string_view name;
  bool built;
  std::string_view missing;  // what asking for it says in a build without it
};

TEST(SchedulerTableTest, OpenMpAndTbbAreRowsExactlyWhenThisBuildHasThem) {
  for (const OptionalScheduler& peer :
       {OptionalScheduler{"openmp", PYGMY_BUILT_OPENMP, "this build of pygmy has no OpenMP"},
        OptionalScheduler{"tbb", PYGMY_BUILT_TBB, "this build of pygmy has no TBB"}}) {
    int rows = 0;
    for (const Scheduler& scheduler : all_schedulers()) {
      if (scheduler.name != peer.name) continue;
      ++rows;
      EXPECT_TRUE(scheduler.renders_here()) << peer.name;
      EXPECT_EQ(scheduler.workers, Workers::threads) << peer.name;
    }
    EXPECT_EQ(rows, peer.built ? 1 : 0) << peer.name;
    if (peer.built) continue;
    try {
      static_cast<void>(scheduler_named(peer.name));
      ADD_FAILURE() << peer.name << ": no error";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(peer.missing), std::string::npos) << e.what();
    }
  }
}

/// The peers of this build: openmp and tbb, where built.
std::vector<std::string_view> peers() {
  std::vector<std::string_view> names;
  for (const Scheduler& scheduler : all_schedulers()) {
    if (scheduler.name == "openmp" || scheduler.name == "tbb") names.push_back(scheduler.name);
  }
  return names;
}

class PeerTest : public ::testing::TestWithParam<std::string_view> {};
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PeerTest);

TEST_P(PeerTest, ABandThatThrowsEndsTheRenderWithItsErrorAndThisProcessGoesOn) {
  RenderPlan plan;
  plan.scheduler = GetParam();
  plan.processes = 3;
  plan.band_rows = 4;
  plan.before_band = [](const Band& band, int) {
    if (band.y0 == 24) throw std::runtime_error("no rows 24-27 today");
  };
  try {
    static_cast<void>(render(small_scene(), plan));
    FAIL() << "expected the band's error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "no rows 24-27 today");
  }
  // The same scheduler renders again at once: nothing was left behind in a bad state.
  plan.before_band = nullptr;
  EXPECT_TRUE(render(small_scene(), plan).image == reference());
}

TEST_P(PeerTest, RendersWithAtMostTheThreadsOfThePlanAndNumbersThem) {
  RenderPlan plan;
  plan.scheduler = GetParam();
  plan.processes = 3;
  plan.band_rows = 1;
  const Rendered rendered = render(small_scene(), plan);
  EXPECT_EQ(rendered.stats.processes, 3U);
  EXPECT_EQ(rendered.stats.forks, 0U);
  EXPECT_GE(rendered.stats.workers, 1U);
  EXPECT_LE(rendered.stats.workers, 3U);
  ASSERT_EQ(rendered.stats.band_worker.size(), 80U);
  for (const int worker : rendered.stats.band_worker) EXPECT_LT(worker, 3);
}

INSTANTIATE_TEST_SUITE_P(BuiltPeers, PeerTest, ::testing::ValuesIn(peers()),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace pygmy::schedulers
