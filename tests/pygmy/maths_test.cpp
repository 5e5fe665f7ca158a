// Tests of the vector helpers that must round exactly as PyGmy's Python `vec` does.
#include "pygmy/maths.hpp"

#include <gtest/gtest.h>

namespace pygmy {
namespace {

TEST(MathsTest, NormalisedDividesEachComponentByTheLength) {
  const Vec3 v{3, 0, -4};
  EXPECT_EQ(normalised(v), (Vec3{3.0 / 5, 0, -4.0 / 5}));
}

TEST(MathsTest, NormalisedLeavesAZeroVectorUnchanged) {
  EXPECT_EQ(normalised(Vec3{0, 0, 0}), (Vec3{0, 0, 0}));
}

TEST(MathsTest, NormalisedDividesRatherThanMultipliesByTheReciprocal) {
  // 1/sqrt(3) then × 1 differs in the last bit from 1 ÷ sqrt(3) for some components; PyGmy
  // divides, so the port must too.
  const Vec3 v{1, 1, -1};
  const double length = std::sqrt(3.0);
  EXPECT_EQ(normalised(v), (Vec3{1 / length, 1 / length, -1 / length}));
}

TEST(MathsTest, ReflectedMirrorsAboutTheNormal) {
  EXPECT_EQ(reflected(Vec3{1, -1, 0}, Vec3{0, 1, 0}), (Vec3{1, 1, 0}));
  EXPECT_EQ(reflected(Vec3{0, 0, 5}, Vec3{0, 0, -1}), (Vec3{0, 0, -5}));
}

TEST(MathsTest, SegmentVectorRunsFromStartToEnd) {
  const Segment segment{Point3{1, 2, 3}, Point3{4, 6, 8}};
  EXPECT_EQ(segment.vector(), (Vec3{3, 4, 5}));
}

}  // namespace
}  // namespace pygmy
