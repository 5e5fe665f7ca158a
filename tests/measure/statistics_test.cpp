// The arithmetic of the speedup report: medians, speedup, efficiency, CPU per band.
#include "pygmy/measure/statistics.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace pygmy::measure {
namespace {

TEST(SpeedupStatisticsTest, TheMedianOfAnOddCountIsTheMiddleValue) {
  EXPECT_EQ(median({0.9, 0.5, 0.7}), 0.7);
  EXPECT_EQ(median({3.0}), 3.0);
  EXPECT_EQ(median({5.0, 1.0, 100.0, 2.0, 3.0}), 3.0);  // the slow run does not move it
}

TEST(SpeedupStatisticsTest, TheMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo) {
  EXPECT_DOUBLE_EQ(median({0.9, 0.4, 0.7, 0.5}), 0.6);
  EXPECT_DOUBLE_EQ(median({2.0, 1.0}), 1.5);
}

TEST(SpeedupStatisticsTest, TheMedianOfNothingIsRefused) {
  EXPECT_THROW(static_cast<void>(median({})), std::invalid_argument);
}

TEST(SpeedupStatisticsTest, SpeedupIsTheBaselinesTimeOverTheTimeAndEfficiencyItsSharePerProcess) {
  EXPECT_DOUBLE_EQ(speedup(1.0, 0.5), 2.0);
  EXPECT_DOUBLE_EQ(speedup(1.0, 2.0), 0.5);
  EXPECT_EQ(speedup(1.0, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(efficiency(1.8, 2), 0.9);
  EXPECT_DOUBLE_EQ(efficiency(3.0, 4), 0.75);
  EXPECT_EQ(efficiency(1.0, 0), 0.0);
}

TEST(SpeedupStatisticsTest, CpuPerBandAboveSequentialSpreadsTheExtraCpuOverTheBands) {
  EXPECT_NEAR(cpu_per_band_above_ms(2.10, 2.00, 50), 2.0, 1e-9);
  EXPECT_NEAR(cpu_per_band_above_ms(1.90, 2.00, 10), -10.0, 1e-9);  // noise may make it negative
  EXPECT_EQ(cpu_per_band_above_ms(2.10, 2.00, 0), 0.0);
}

TEST(BootstrapTest, PairsAreTheRoundsBothSidesHave) {
  const auto [a, b] = paired({{0, 1.0}, {1, 1.1}, {3, 1.3}}, {{1, 0.6}, {2, 0.7}, {3, 0.8}});
  EXPECT_EQ(a, (std::vector<double>{1.1, 1.3}));
  EXPECT_EQ(b, (std::vector<double>{0.6, 0.8}));
}

TEST(BootstrapTest, TheIntervalOfIdenticalRoundsHasNoWidth) {
  const Interval i = median_interval({0.5, 0.5, 0.5, 0.5});
  EXPECT_EQ(i.low, 0.5);
  EXPECT_EQ(i.high, 0.5);
  EXPECT_EQ(i.relative_half_width(0.5), 0);
}

TEST(BootstrapTest, TheMedianOfTwoRoundsSpansBothValues) {
  // A draw of two from {1, 3} has median 1 a quarter of the time, 2 half, 3 a quarter: the
  // 2.5th and 97.5th percentiles are 1 and 3.
  const Interval i = median_interval({1.0, 3.0});
  EXPECT_EQ(i.low, 1.0);
  EXPECT_EQ(i.high, 3.0);
  EXPECT_DOUBLE_EQ(i.relative_half_width(2.0), 0.5);
}

TEST(BootstrapTest, TheIntervalHoldsTheMedianAndNarrowsWithMoreRounds) {
  std::vector<double> few;
  std::vector<double> many;
  for (int i = 0; i < 5; ++i) few.push_back(1.0 + 0.01 * (i % 5));
  for (int i = 0; i < 50; ++i) many.push_back(1.0 + 0.01 * (i % 5));
  const Interval narrow = median_interval(many);
  const Interval wide = median_interval(few);
  EXPECT_LE(narrow.low, median(many));
  EXPECT_GE(narrow.high, median(many));
  EXPECT_LE(narrow.high - narrow.low, wide.high - wide.low);
  EXPECT_EQ(median_interval(few), median_interval(few));  // the same draws every time
}

TEST(BootstrapTest, ARatioOfPairedRoundsKeepsTheirPairing) {
  // Every round's parallel time is exactly half its sequential one, though rounds differ by a
  // factor of two: paired, the ratio is 2 in every draw.
  const std::vector<double> sequential{1.0, 2.0, 1.5, 1.2, 1.8};
  std::vector<double> parallel;
  for (double s : sequential) parallel.push_back(s / 2);
  const Interval i = ratio_interval(sequential, parallel);
  EXPECT_DOUBLE_EQ(i.low, 2.0);
  EXPECT_DOUBLE_EQ(i.high, 2.0);
  EXPECT_THROW(static_cast<void>(ratio_interval({1.0}, {1.0, 2.0})), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(median_interval({})), std::invalid_argument);
}

}  // namespace
}  // namespace pygmy::measure
