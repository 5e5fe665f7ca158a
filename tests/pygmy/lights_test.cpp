// Tests of light directions, shadow segments and the unclamped (possibly negative) light term.
#include "pygmy/lights.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace pygmy {
namespace {

TEST(LightTest, ParallelLightNormalisesItsDirection) {
  const ParallelLight sun{Vec3{0, 3, 4}, Colour{1, 1, 1}};
  EXPECT_EQ(sun.direction(), (Vec3{0, 3.0 / 5, 4.0 / 5}));
}

TEST(LightTest, ParallelShadowSegmentRuns1000UnitsTowardsTheLight) {
  const Light sun = ParallelLight{Vec3{0, 2, 0}, Colour{1, 1, 1}};
  const Segment s = shadow_segment(sun, Point3{1, 2, 3});
  EXPECT_EQ(s.start, (Point3{1, 2, 3}));
  EXPECT_EQ(s.end, (Point3{1, 1002, 3}));
}

TEST(LightTest, PointShadowSegmentEndsAtTheLight) {
  const Light bulb = PointLight{Point3{5, 100, -5}, Colour{1, 1, 1}};
  const Segment s = shadow_segment(bulb, Point3{1, 2, 3});
  EXPECT_EQ(s.start, (Point3{1, 2, 3}));
  EXPECT_EQ(s.end, (Point3{5, 100, -5}));
}

TEST(LightTest, LightFacingTheSurfaceAddsColourTimesCosine) {
  const Light sun = ParallelLight{Vec3{0, 1, 1}, Colour{1, 0.5, 0}};
  const Colour c = unshadowed_light(sun, Point3{0, 0, 0}, Vec3{0, 1, 0});
  const double cosine = 1 / std::sqrt(2.0);
  EXPECT_EQ(c, (Colour{cosine, 0.5 * cosine, 0}));
}

TEST(LightTest, PointLightShinesFromItsPosition) {
  const Light bulb = PointLight{Point3{0, 10, 0}, Colour{0.5, 0.5, 1}};
  EXPECT_EQ(unshadowed_light(bulb, Point3{0, 0, 0}, Vec3{0, 1, 0}), (Colour{0.5, 0.5, 1}));
}

TEST(LightTest, SurfaceFacingAwayFromTheLightGetsNegativeLight) {
  const Light bulb = PointLight{Point3{0, 10, 0}, Colour{0.5, 0.5, 1}};
  EXPECT_EQ(unshadowed_light(bulb, Point3{0, 0, 0}, Vec3{0, -1, 0}), (Colour{-0.5, -0.5, -1}));
}

TEST(LightTest, NegativeLightColourSubtracts) {
  const Light dark = ParallelLight{Vec3{0, 1, 0}, Colour{-0.25, 0, 0.25}};
  EXPECT_EQ(unshadowed_light(dark, Point3{0, 0, 0}, Vec3{0, 1, 0}), (Colour{-0.25, 0, 0.25}));
}

}  // namespace
}  // namespace pygmy
