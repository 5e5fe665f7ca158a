// The figures of `pygmy speedup`: its lists, the configurations and their order, the medians, and
// the table, JSON and chart made of them.
#include "pygmy/measure/speedup.hpp"

#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace pygmy::measure {
namespace {

TEST(SpeedupTest, AProcessListIsSortedWithoutRepeats) {
  EXPECT_EQ(parse_process_list("4,1,2,2"), (std::vector<unsigned>{1, 2, 4}));
  EXPECT_EQ(parse_process_list("3"), (std::vector<unsigned>{3}));
  EXPECT_EQ(parse_process_list("1,4096"), (std::vector<unsigned>{1, 4096}));
}

TEST(SpeedupTest, AProcessListOfEmptyItemsZeroWordsOrTooManyIsRefused) {
  for (const std::string bad : {"", ",", "1,", ",1", "1,,2", "0", "-1", "two", "1.5", "4097", " 1",
                                "1 ", "99999999999999999999"}) {
    EXPECT_THROW(static_cast<void>(parse_process_list(bad)), std::invalid_argument) << bad;
  }
}

const std::vector<std::string> kKnown{"pool", "exchange", "threads", "sequential"};

TEST(SpeedupTest, ASchedulerListKeepsItsOrderWithoutRepeats) {
  EXPECT_EQ(parse_scheduler_list("threads,pool,threads", kKnown),
            (std::vector<std::string>{"threads", "pool"}));
  EXPECT_EQ(parse_scheduler_list("sequential", kKnown), (std::vector<std::string>{"sequential"}));
}

TEST(SpeedupTest, AnUnknownSchedulerIsNamedWithTheSchedulersThereAre) {
  try {
    static_cast<void>(parse_scheduler_list("pool,fastest", kKnown));
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'fastest'"), std::string::npos) << what;
    EXPECT_NE(what.find("pool, exchange"), std::string::npos) << what;
  }
  EXPECT_THROW(static_cast<void>(parse_scheduler_list("pool,", kKnown)), std::invalid_argument);
}

TEST(SpeedupTest, SequentialIsMeasuredOnceAndFirstThenEachSchedulerAtEachCount) {
  const std::vector<Configuration> expected{
      {"sequential", 1}, {"pool", 1}, {"pool", 2}, {"threads", 1}, {"threads", 2}};
  EXPECT_EQ(configurations({"pool", "sequential", "threads"}, {1, 2}), expected);
}

TEST(SpeedupTest, EachRoundRunsEveryConfigurationOnceInAnOrderOfItsOwn) {
  std::set<std::vector<std::size_t>> orders;
  for (unsigned round = 0; round < 3; ++round) {
    std::vector<std::size_t> order = run_order(7, round);
    EXPECT_EQ(order, run_order(7, round)) << "the same round, the same order";
    orders.insert(order);
    std::sort(order.begin(), order.end());
    EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6}));
  }
  EXPECT_GT(orders.size(), 1U);
  EXPECT_TRUE(run_order(0, 0).empty());
}

// A run of `scheduler` with `processes` that took `seconds` and twice that in CPU.
SpeedupRun run_of(const std::string& scheduler, unsigned processes, double seconds,
                  std::size_t forks = 0) {
  return {.configuration = {scheduler, processes},
          .seconds = seconds,
          .cpu_seconds = 2 * seconds,
          .minor_faults = static_cast<long>(seconds * 1000),
          .forks = forks,
          .bands = 16,
          .band_rows = 8};
}

TEST(SpeedupTest, RowsHoldTheMediansAndTheSpeedupOverTheSequentialMedian) {
  const std::vector<SpeedupRun> runs{run_of("pool", 2, 0.5, 2), run_of("sequential", 1, 1.2),
                                     run_of("pool", 2, 0.4, 2), run_of("sequential", 1, 0.8),
                                     run_of("pool", 2, 0.9, 3), run_of("sequential", 1, 1.0)};
  const std::vector<SpeedupRow> rows = summarise(configurations({"pool"}, {1, 2}), runs);
  ASSERT_EQ(rows.size(), 2U) << "pool with 1 process never ran: no row";
  EXPECT_EQ(rows[0].configuration, (Configuration{"sequential", 1}));
  EXPECT_DOUBLE_EQ(rows[0].seconds, 1.0);
  EXPECT_DOUBLE_EQ(rows[0].speedup, 1.0);
  EXPECT_DOUBLE_EQ(rows[0].efficiency, 1.0);
  EXPECT_EQ(rows[1].configuration, (Configuration{"pool", 2}));
  EXPECT_EQ(rows[1].runs, 3U);
  EXPECT_DOUBLE_EQ(rows[1].seconds, 0.5);
  EXPECT_DOUBLE_EQ(rows[1].speedup, 2.0);
  EXPECT_DOUBLE_EQ(rows[1].efficiency, 1.0);
  EXPECT_DOUBLE_EQ(rows[1].cpu_seconds, 1.0);
  EXPECT_DOUBLE_EQ(rows[1].minor_faults, 500);
  EXPECT_DOUBLE_EQ(rows[1].forks, 2);
  EXPECT_EQ(rows[1].bands, 16U);
}

TEST(SpeedupTest, RowsWithoutASequentialRunAreRefused) {
  EXPECT_THROW(static_cast<void>(summarise(configurations({"pool"}, {1}), {run_of("pool", 1, 1)})),
               std::invalid_argument);
}

SpeedupContext context() {
  return {.scene = "builtin",
          .width = 60,
          .height = 40,
          .repeat = 3,
          .machine = "AMD EPYC, 2 physical cores, 2 available CPUs",
          .date = "2026-12-02T12:00:00Z",
          .commit = "1234567",
          .label = "second try"};
}

TEST(SpeedupTest, TheTableSaysWhatAndWhereThenHasARowPerConfiguration) {
  const std::vector<SpeedupRun> runs{run_of("sequential", 1, 1.0), run_of("pool", 2, 0.5, 2)};
  const std::string table =
      speedup_table(context(), summarise(configurations({"pool"}, {2}), runs));
  std::istringstream lines(table);
  std::vector<std::string> all;
  for (std::string line; std::getline(lines, line);) {
    all.push_back(line);
  }
  ASSERT_EQ(all.size(), 5U) << table;
  EXPECT_EQ(all[0],
            "pygmy speedup: scene builtin, 60x40, default band rows, median of 3 runs each, "
            "interleaved");
  EXPECT_EQ(all[1],
            "machine: AMD EPYC, 2 physical cores, 2 available CPUs; 2026-12-02T12:00:00Z; commit "
            "1234567; second try");
  EXPECT_EQ(all[2].rfind("scheduler ", 0), 0U) << all[2];
  std::istringstream pool(all[4]);
  std::string name;
  unsigned processes = 0;
  double seconds = 0;
  double speedup = 0;
  double efficiency = 0;
  double cpu = 0;
  double forks = 0;
  std::size_t bands = 0;
  ASSERT_TRUE(pool >> name >> processes >> seconds >> speedup >> efficiency >> cpu >> forks >>
              bands)
      << all[4];
  EXPECT_EQ(name, "pool");
  EXPECT_EQ(processes, 2U);
  EXPECT_DOUBLE_EQ(seconds, 0.5);
  EXPECT_DOUBLE_EQ(speedup, 2.0);
  EXPECT_DOUBLE_EQ(efficiency, 1.0);
  EXPECT_DOUBLE_EQ(cpu, 1.0);
  EXPECT_EQ(forks, 2);
  EXPECT_EQ(bands, 16U);
}

TEST(SpeedupTest, TheJsonHoldsTheContextEveryRunAndEveryRow) {
  const std::vector<SpeedupRun> runs{run_of("sequential", 1, 1.0), run_of("pool", 2, 0.5, 2),
                                     run_of("pool", 2, 0.7, 2)};
  const std::vector<SpeedupRow> rows = summarise(configurations({"pool"}, {2}), runs);
  const nlohmann::json json =
      nlohmann::json::parse(speedup_json(context(), SpeedupRuns{.runs = runs}, rows));
  EXPECT_EQ(json.at("scene"), "builtin");
  EXPECT_EQ(json.at("width"), 60);
  EXPECT_TRUE(json.at("band_rows").is_null());
  EXPECT_EQ(json.at("commit"), "1234567");
  EXPECT_EQ(json.at("label"), "second try");
  ASSERT_EQ(json.at("runs").size(), 3U);
  EXPECT_EQ(json.at("runs")[2].at("seconds"), 0.7);
  EXPECT_EQ(json.at("runs")[2].at("minor_faults"), 700);
  ASSERT_EQ(json.at("medians").size(), 2U);
  EXPECT_EQ(json.at("medians")[1].at("scheduler"), "pool");
  EXPECT_DOUBLE_EQ(json.at("medians")[1].at("seconds").get<double>(), 0.6);
  EXPECT_EQ(json.at("medians")[1].at("runs"), 2);
}

TEST(SpeedupTest, TheChartHasALinePerSchedulerAndTheContextInItsCaption) {
  const std::vector<SpeedupRun> runs{run_of("sequential", 1, 1.0), run_of("pool", 1, 1.1),
                                     run_of("pool", 2, 0.6), run_of("threads", 1, 1.0),
                                     run_of("threads", 2, 0.5)};
  const SpeedupChart chart =
      speedup_chart(context(), summarise(configurations({"pool", "threads"}, {1, 2}), runs));
  ASSERT_EQ(chart.panels.size(), 1U);
  const std::vector<SpeedupLine>& lines = chart.panels[0].lines;
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].name, "pool");
  EXPECT_EQ(lines[1].name, "threads");
  ASSERT_EQ(lines[1].points.size(), 2U);
  EXPECT_DOUBLE_EQ(lines[1].points[1].speedup, 2.0);
  EXPECT_NE(chart.caption.find("AMD EPYC"), std::string::npos) << chart.caption;
  EXPECT_NE(chart.caption.find("2026-12-02T12:00:00Z"), std::string::npos) << chart.caption;
  EXPECT_NE(chart.caption.find("commit 1234567"), std::string::npos) << chart.caption;
  EXPECT_NE(chart.caption.find("second try"), std::string::npos) << chart.caption;
}

TEST(SpeedupTest, RowsHaveIntervalsAndTheCapacityOfTheirProcessCount) {
  std::vector<SpeedupRun> runs;
  std::vector<CalibrationRun> calibrations;
  for (unsigned round = 0; round < 6; ++round) {
    const double busy = 1.0 + 0.1 * round;  // rounds differ, but within one the ratio holds
    runs.push_back(run_of("sequential", 1, 1.0 * busy));
    runs.push_back(run_of("pool", 2, 0.6 * busy));
    runs[runs.size() - 2].repetition = runs.back().repetition = round;
    calibrations.push_back({.processes = 1, .repetition = round, .seconds = 0.2 * busy});
    calibrations.push_back({.processes = 2, .repetition = round, .seconds = 0.1 * busy});
  }
  const std::vector<SpeedupRow> rows = summarise(configurations({"pool"}, {2}), runs, calibrations);
  ASSERT_EQ(rows.size(), 2U);
  const SpeedupRow& pool = rows[1];
  EXPECT_NEAR(pool.speedup_interval.low, 1.0 / 0.6, 1e-9);  // paired rounds: no spread
  EXPECT_NEAR(pool.speedup_interval.high, 1.0 / 0.6, 1e-9);
  ASSERT_TRUE(pool.capacity.has_value());
  EXPECT_DOUBLE_EQ(*pool.capacity, 2.0);
  EXPECT_NEAR(pool.of_capacity.value(), 1.0 / 0.6 / 2.0, 1e-9);
  EXPECT_NEAR(pool.of_capacity_interval.low, 1.0 / 0.6 / 2.0, 1e-9);
  EXPECT_LE(pool.seconds_interval.low, pool.seconds);
  EXPECT_GE(pool.seconds_interval.high, pool.seconds);
  // Counting only some rounds: the figures are theirs.
  const std::vector<SpeedupRow> first =
      summarise(configurations({"pool"}, {2}), runs, calibrations, {0});
  EXPECT_DOUBLE_EQ(first[1].seconds, 0.6);
  EXPECT_EQ(first[1].runs, 1U);
}

TEST(SpeedupTest, OnlyQuietRoundsCountWhenThereAreAtLeastThree) {
  const Disturbance quiet{.wall_seconds = 1, .other_cpu_seconds = 0.01, .steal_seconds = 0};
  const Disturbance busy{.wall_seconds = 1, .other_cpu_seconds = 0.9, .steal_seconds = 0};
  EXPECT_EQ(rounds_to_use({quiet, busy, quiet, quiet, busy}), (std::vector<unsigned>{0, 2, 3}));
  EXPECT_EQ(rounds_to_use({quiet, busy, busy, quiet}), (std::vector<unsigned>{0, 1, 2, 3}));
  EXPECT_EQ(rounds_to_use({quiet, quiet}), (std::vector<unsigned>{0, 1}));
  EXPECT_EQ(rounds_to_use({busy}), (std::vector<unsigned>{0}));
}

TEST(SpeedupTest, RoundsGoOnUntilThePrecisionIsReachedThenStop) {
  const std::vector<Configuration> configs = configurations({"pool"}, {2});
  unsigned renders = 0;
  std::vector<unsigned> calibrated;
  const auto render = [&renders](const Configuration& c) {
    ++renders;
    return run_of(c.scheduler, c.processes, c.processes == 1 ? 1.0 : 0.5);
  };
  const auto calibrate = [&calibrated](unsigned processes) {
    calibrated.push_back(processes);
    return 0.1 / processes;
  };
  unsigned last_round = 0;
  const SpeedupRuns identical = measure_rounds(
      configs, {1, 2},
      // Whatever else this machine runs, no round counts as disturbed here: that is tested apart.
      {.min_rounds = 2, .precision = 0.03, .max_seconds = 1000, .disturbed_share = 1e9}, render,
      calibrate, [&last_round](unsigned rounds, double) { last_round = rounds; });
  // Identical rounds are as precise as can be, but not before kLeastRounds of them.
  EXPECT_EQ(identical.runs.size(), 2 * kLeastRounds);
  EXPECT_EQ(identical.calibrations.size(), 2 * kLeastRounds);
  EXPECT_EQ(last_round, kLeastRounds);
  EXPECT_EQ(renders, 2 * kLeastRounds);
  for (const SpeedupRun& run : identical.runs) EXPECT_LT(run.repetition, kLeastRounds);

  // No precision asked for: exactly the rounds asked for.
  const SpeedupRuns three =
      measure_rounds(configs, {1, 2}, {.min_rounds = 3, .precision = 0, .max_seconds = 1000},
                     render, calibrate, {});
  EXPECT_EQ(three.runs.size(), 6U);

  // Runs that never agree stop at the time budget (here, no time at all past the first rounds).
  unsigned flip = 0;
  const auto noisy = [&flip](const Configuration& c) {
    ++flip;
    return run_of(c.scheduler, c.processes, (flip % 3 + 1) * (c.processes == 1 ? 1.0 : 0.5));
  };
  const SpeedupRuns budget = measure_rounds(
      configs, {1}, {.min_rounds = 2, .precision = 0.001, .max_seconds = 0}, noisy, calibrate, {});
  EXPECT_EQ(budget.runs.size(), 4U);
}

TEST(SpeedupTest, TheSizeChosenTakesTheTargetTimeInTheSceneProportions) {
  // 300x200 took 0.02 s: 0.5 s needs 25 times the pixels, 5 times each side.
  EXPECT_EQ(size_for(0.5, 300, 200, 0.02, 300, 200, 65536), (std::pair<int, int>{1500, 1000}));
  // From a smaller probe of the same scene: the same answer.
  EXPECT_EQ(size_for(0.5, 300, 200, 0.005, 150, 100, 65536), (std::pair<int, int>{1500, 1000}));
  // A scene already slow enough keeps its size; a limit caps the sides.
  EXPECT_EQ(size_for(0.5, 1920, 1080, 0.3, 192, 108, 65536), (std::pair<int, int>{1920, 1080}));
  EXPECT_EQ(size_for(100, 300, 200, 0.02, 300, 200, 900), (std::pair<int, int>{900, 600}));
  EXPECT_EQ(size_for(0.5, 300, 200, 0, 300, 200, 65536), (std::pair<int, int>{300, 200}));
}

TEST(SpeedupTest, TheWarningSaysHowBusyTheMachineWasAndHowWideTheIntervals) {
  SpeedupContext busy = context();
  busy.rounds = 9;
  busy.repeat = 9;
  busy.disturbed = 7;
  busy.other_share = 0.93;
  busy.precision = 0.03;
  SpeedupRow sequential{.configuration = {"sequential", 1}, .speedup = 1};
  SpeedupRow pool{.configuration = {"pool", 2}, .speedup = 1.6};
  pool.speedup_interval = {1.39, 1.81};
  const std::string warning = speedup_warning(busy, {sequential, pool});
  EXPECT_NE(warning.find("the machine was busy: 7 of 9 rounds disturbed"), std::string::npos)
      << warning;
  EXPECT_NE(warning.find("0.93 of a CPU"), std::string::npos) << warning;
  EXPECT_NE(warning.find("speedup of pool at 2: 1.60x ± 0.21"), std::string::npos) << warning;
  EXPECT_NE(warning.find("wider than asked: ±13.1%"), std::string::npos) << warning;
  SpeedupContext quiet = context();
  quiet.rounds = 5;
  quiet.precision = 0.03;
  pool.speedup_interval = {1.59, 1.61};
  EXPECT_EQ(speedup_warning(quiet, {sequential, pool}), "");
}

TEST(SpeedupTest, DatesAreUtcInIso8601) {
  EXPECT_EQ(utc_date(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(utc_date(1764676800), "2025-12-02T12:00:00Z");
}

}  // namespace
}  // namespace pygmy::measure
