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

}  // namespace
}  // namespace pygmy::measure
