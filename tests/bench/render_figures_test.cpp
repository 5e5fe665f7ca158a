// render_bench's figures: panels of repetitions paired by index, capacity from the calibration,
// disturbed repetitions counted, and the tables and chart made of them.
#include "render_figures.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "results_builder.hpp"

namespace pygmy::bench {
namespace {

// The calibration at 1 and 2 processes: capacity 2.
std::vector<std::string> calibration() {
  return three("BM_Capacity/j:1", 100, R"("other_share": 0)") +
         three("BM_Capacity/j:2", 50, R"("other_share": 0)");
}

// 300x200 rendered sequentially in 40 ms, by pool in 25 and threads in 20 at 2 processes.
std::vector<std::string> small_sweep() {
  return three("BM_Sweep/300x200/sequential/j:1", 40,
               R"("bands": 16, "cpu_s": 0.040, "faults_per_band": 2, "forks": 0)") +
         three("BM_Sweep/300x200/pool/j:2", 25,
               R"("bands": 32, "cpu_s": 0.048, "faults_per_band": 4, "forks": 1)") +
         three("BM_Sweep/300x200/threads/j:2", 20,
               R"("bands": 32, "cpu_s": 0.040, "faults_per_band": 1, "forks": 0)");
}

TEST(RenderFiguresTest, CapacityAndItsShareComeFromTheCalibrationOfTheSameRun) {
  const RenderFigures figures =
      render_figures(parse_results(document(calibration() + small_sweep())));
  ASSERT_EQ(figures.sweep.size(), 1U);
  const Panel& panel = figures.sweep[0];
  EXPECT_EQ(panel.title, "300x200");
  EXPECT_EQ(panel.width * panel.height, 300 * 200);
  ASSERT_EQ(panel.rows.size(), 3U);
  EXPECT_EQ(panel.rows[0].configuration.scheduler, "sequential");
  const measure::SpeedupRow* pool = find_row(panel, "pool", 2);
  ASSERT_NE(pool, nullptr);
  EXPECT_DOUBLE_EQ(pool->speedup, 1.6);
  ASSERT_TRUE(pool->capacity.has_value());
  EXPECT_DOUBLE_EQ(*pool->capacity, 2.0);
  EXPECT_DOUBLE_EQ(pool->of_capacity.value(), 0.8);
  EXPECT_DOUBLE_EQ(pool->cpu_seconds, 0.048);
  EXPECT_DOUBLE_EQ(pool->minor_faults, 128);
  EXPECT_EQ(figures.calibrations.size(), 6U);
}

TEST(RenderFiguresTest, RepetitionsArePairedByTheirIndexNotByTheirPlaceInTheFile) {
  // Each round's pool render took half its sequential render, however slow the round.
  const std::string sequential = "BM_Sweep/300x200/sequential/j:1";
  const std::string pool = "BM_Sweep/300x200/pool/j:2";
  const RenderFigures figures = render_figures(parse_results(document(
      {repetition(sequential, 0, 40), repetition(sequential, 1, 80), repetition(sequential, 2, 60),
       repetition(pool, 2, 30), repetition(pool, 0, 20), repetition(pool, 1, 40)})));
  ASSERT_EQ(figures.sweep.size(), 1U);
  const measure::SpeedupRow* row = find_row(figures.sweep[0], "pool", 2);
  ASSERT_NE(row, nullptr);
  EXPECT_DOUBLE_EQ(row->speedup, 2.0);
  EXPECT_EQ(row->speedup_interval, (measure::Interval{2.0, 2.0}));
  const std::optional<TimeRatio> ratio =
      time_ratio(figures.sweep[0], {"pool", 2}, {"sequential", 1});
  ASSERT_TRUE(ratio.has_value());
  EXPECT_DOUBLE_EQ(ratio->value, 0.5);
  EXPECT_EQ(ratio->interval, (measure::Interval{0.5, 0.5}));
  EXPECT_FALSE(time_ratio(figures.sweep[0], {"pool", 2}, {"threads", 2}).has_value());
}

TEST(RenderFiguresTest, RepetitionsThatOtherWorkDisturbedAreCounted) {
  const std::string quiet = R"("other_share": 0.02, "steal_share": 0)";
  const std::string busy = R"("other_share": 0.6, "steal_share": 0)";
  const std::string stolen = R"("other_share": 0, "steal_share": 0.3)";
  const RenderFigures figures = render_figures(parse_results(document(
      {repetition("BM_Sweep/300x200/sequential/j:1", 0, 40, quiet),
       repetition("BM_Sweep/300x200/sequential/j:1", 1, 40, busy),
       repetition("BM_Capacity/j:1", 0, 100, stolen), repetition("BM_Capacity/j:1", 1, 100, quiet),
       repetition("BM_Capacity/j:2", 0, 50)})));
  EXPECT_EQ(figures.disturbed, 2U);
  EXPECT_EQ(figures.watched, 4U);  // the last has no disturbance counters
  ASSERT_EQ(figures.sweep.size(), 1U);
  EXPECT_EQ(figures.sweep[0].disturbed, 1U);
  EXPECT_EQ(figures.sweep[0].watched, 2U);
  EXPECT_EQ(
      disturbance_note(2, 4),
      "2 of 4 repetitions disturbed (other work or steal above 0.10 of a CPU while they ran)");
  EXPECT_EQ(disturbance_note(0, 0), "");
}

TEST(RenderFiguresTest, AnImageWithoutASequentialRenderIsLeftOut) {
  const RenderFigures figures =
      render_figures(parse_results(document(three("BM_Sweep/300x200/pool/j:2", 25))));
  EXPECT_TRUE(figures.sweep.empty());
}

TEST(RenderFiguresTest, SchedulersThisBuildDoesNotKnowStillGetTheirRows) {
  const RenderFigures figures =
      render_figures(parse_results(document(small_sweep() + three("BM_Sweep/300x200/tbb/j:2", 24) +
                                            three("BM_Sweep/300x200/openmp/j:2", 26))));
  ASSERT_EQ(figures.sweep.size(), 1U);
  EXPECT_NE(find_row(figures.sweep[0], "tbb", 2), nullptr);
  EXPECT_NE(find_row(figures.sweep[0], "openmp", 2), nullptr);
  EXPECT_NE(sweep_table(figures.sweep).find("| 300x200 | tbb | 2 |"), std::string::npos);
}

TEST(RenderFiguresTest, ASceneHasItsTableAndItsBandSizesTheirs) {
  const std::string scene = "BM_Render/showcase/";
  const RenderFigures figures = render_figures(parse_results(
      document(calibration() + three(scene + "sequential/j:1/rows:auto", 1000, R"("bands": 16)") +
               three(scene + "pool/j:2/rows:auto", 520, R"("bands": 32, "forks": 1)") +
               three(scene + "pool/j:2/rows:1", 500, R"("bands": 1080)") +
               three(scene + "pool/j:2/rows:64", 625, R"("bands": 17)"))));
  ASSERT_EQ(figures.scenes.size(), 1U);
  EXPECT_EQ(figures.scenes[0].title, "showcase");
  EXPECT_EQ(figures.scenes[0].rows.size(), 2U);
  EXPECT_EQ(figures.bands.size(), 3U);
  const std::string table = scene_table(figures.scenes[0]);
  EXPECT_NE(table.find("| pool | 2 | 0.520 | 1.92 | 0.96 | 2.00 | 0.96 |"), std::string::npos)
      << table;
  const std::string bands = band_table(figures.bands, "showcase", "pool", 2);
  EXPECT_NE(bands.find("| default | 32 | 0.520 | 1.92 |"), std::string::npos) << bands;
  EXPECT_NE(bands.find("| 1 | 1080 | 0.500 | 2.00 |"), std::string::npos) << bands;
  EXPECT_NE(bands.find("| 64 | 17 | 0.625 | 1.60 |"), std::string::npos) << bands;
  EXPECT_EQ(band_table(figures.bands, "showcase", "exchange", 2), "");
}

TEST(RenderFiguresTest, TheSweepTableHasCapacityAndTheShareOfItOnEachRow) {
  const RenderFigures figures =
      render_figures(parse_results(document(calibration() + small_sweep())));
  const std::string table = sweep_table(figures.sweep);
  EXPECT_NE(table.find("| capacity | of capacity (95%) |"), std::string::npos) << table;
  // Speedup 1.60 of a capacity of 2.00; 1.25× threads' time; 0.25 ms of CPU a band above the
  // sequential render; 4 faults a band; 1 fork.
  EXPECT_NE(table.find("| 300x200 | pool | 2 | 0.025 | 1.60 | 2.00 | 0.80 | 1.25 | 0.048 | 0.25 | "
                       "4.0 | 1 |"),
            std::string::npos)
      << table;
}

TEST(RenderFiguresTest, AValueIsShownWithItsIntervalUnlessThatIsAPoint) {
  EXPECT_EQ(with_interval(1.66, {1.58, 1.72}, 2, "×"), "1.66× (1.58–1.72)");
  EXPECT_EQ(with_interval(1.66, {1.66, 1.66}), "1.66");
  EXPECT_EQ(fixed(0.125, 1), "0.1");
}

TEST(RenderFiguresTest, TheChartHasAPanelPerSizeWithTheCapacityAndStopsTheIdealAtTheCpus) {
  const RenderFigures figures =
      render_figures(parse_results(document(calibration() + small_sweep())));
  const measure::SpeedupChart chart = sweep_chart(figures.sweep, "caption", 2);
  ASSERT_EQ(chart.panels.size(), 1U);
  EXPECT_EQ(chart.panels[0].title, "300x200");
  EXPECT_EQ(chart.cpus, 2U);
  bool capacity = false;
  for (const measure::SpeedupLine& line : chart.panels[0].lines) {
    capacity = capacity || line.capacity;
    EXPECT_NE(line.name, "sequential");
    for (const measure::SpeedupPoint& point : line.points) {
      if (!line.capacity && point.processes > 1) {
        EXPECT_TRUE(point.interval.has_value());
      }
    }
  }
  EXPECT_TRUE(capacity);
  EXPECT_FALSE(sweep_chart(figures.sweep, "caption", 0).cpus.has_value());
}

}  // namespace
}  // namespace pygmy::bench
