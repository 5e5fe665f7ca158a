// The calibration loop: its work grows with what it is asked for, and it runs on several threads.
#include "pygmy/measure/capacity.hpp"

#include <gtest/gtest.h>

namespace pygmy::measure {
namespace {

TEST(CapacityTest, TheWorkForLongerIsMoreAndNeverBelowAThousandUnits) {
  EXPECT_GE(calibration_work(0), 1000U);
  EXPECT_GT(calibration_work(0.05), calibration_work(0.0005));
}

TEST(CapacityTest, TheLoopRunsOnOneThreadOrSeveral) {
  const std::uint64_t work = calibration_work(0.02);
  EXPECT_GT(calibration_seconds(1, work), 0);
  EXPECT_GT(calibration_seconds(3, work), 0);
  EXPECT_GT(calibration_seconds(0, 10), 0);  // no threads asked for: one
}

}  // namespace
}  // namespace pygmy::measure
