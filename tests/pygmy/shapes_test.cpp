// Tests of PyGmy's sphere and plane hit rules, including the edge cases it decides strictly.
#include "pygmy/shapes.hpp"

#include <random>

#include <gtest/gtest.h>

namespace pygmy {
namespace {

const Sphere kBall{Point3{0, 0, 10}, 2};

TEST(ShapeTest, SegmentThroughASpheresCentreHitsItsNearSide) {
  const std::optional<Hit> hit = kBall.intersect(Segment{Point3{0, 0, 0}, Point3{0, 0, 20}});
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->position, (Point3{0, 0, 8}));
  EXPECT_EQ(hit->normal, (Vec3{0, 0, -1}));
}

TEST(ShapeTest, SphereNormalIsUnitLengthAndPointsOutwards) {
  const std::optional<Hit> hit = kBall.intersect(Segment{Point3{1, 1, 0}, Point3{0.5, 0.5, 20}});
  ASSERT_TRUE(hit.has_value());
  EXPECT_NEAR(glm::dot(hit->normal, hit->normal), 1.0, 1e-12);
  EXPECT_LT(hit->normal.z, 0);
}

TEST(ShapeTest, SphereTangentSegmentMissesBecauseTheDiscriminantMustBePositive) {
  // Passes x = 2, exactly the radius from the centre: the discriminant is exactly zero.
  EXPECT_FALSE(kBall.intersect(Segment{Point3{2, 0, 0}, Point3{2, 0, 20}}).has_value());
}

TEST(ShapeTest, SegmentEndingBeforeASphereMissesIt) {
  EXPECT_FALSE(kBall.intersect(Segment{Point3{0, 0, 0}, Point3{0, 0, 7.9}}).has_value());
}

TEST(ShapeTest, SegmentEndingExactlyOnASphereMissesBecauseTMustBeBelowOne) {
  EXPECT_FALSE(kBall.intersect(Segment{Point3{0, 0, 0}, Point3{0, 0, 8}}).has_value());
}

TEST(ShapeTest, SegmentStartingExactlyOnASphereMissesBecauseTMustBeAboveZero) {
  EXPECT_FALSE(kBall.intersect(Segment{Point3{0, 0, 8}, Point3{0, 0, 20}}).has_value());
}

TEST(ShapeTest, SegmentStartingInsideASphereMissesBecauseOnlyTheNearRootCounts) {
  EXPECT_FALSE(kBall.intersect(Segment{Point3{0, 0, 10}, Point3{0, 0, 20}}).has_value());
}

TEST(ShapeTest, SegmentPointingAwayFromASphereMissesIt) {
  EXPECT_FALSE(kBall.intersect(Segment{Point3{0, 0, 0}, Point3{0, 0, -20}}).has_value());
}

TEST(ShapeTest, SphereParameterIsWhereAlongTheSegmentTheHitLies) {
  const std::optional<double> t = kBall.parameter(Segment{Point3{0, 0, 0}, Point3{0, 0, 16}});
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, 0.5);
}

const Plane kFloor{Vec3{0, 1, 0}, 7};  // y = -7

TEST(ShapeTest, SegmentCrossingAPlaneHitsIt) {
  const std::optional<Hit> hit = kFloor.intersect(Segment{Point3{0, 0, 0}, Point3{2, -14, 4}});
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->position, (Point3{1, -7, 2}));
  EXPECT_EQ(hit->normal, (Vec3{0, 1, 0}));
}

TEST(ShapeTest, SegmentStartingOnAPlaneHitsItAtTZero) {
  const std::optional<double> t = kFloor.parameter(Segment{Point3{0, -7, 0}, Point3{0, 3, 0}});
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, 0.0);
}

TEST(ShapeTest, SegmentEndingOnAPlaneHitsItAtTOne) {
  const std::optional<double> t = kFloor.parameter(Segment{Point3{0, 3, 0}, Point3{0, -7, 0}});
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, 1.0);
}

TEST(ShapeTest, SegmentStoppingShortOfAPlaneMissesIt) {
  EXPECT_FALSE(kFloor.intersect(Segment{Point3{0, 3, 0}, Point3{0, -6.9, 0}}).has_value());
}

TEST(ShapeTest, SegmentParallelToAPlaneMissesItEvenInsideIt) {
  EXPECT_FALSE(kFloor.intersect(Segment{Point3{0, 0, 0}, Point3{5, 0, 5}}).has_value());
  EXPECT_FALSE(kFloor.intersect(Segment{Point3{0, -7, 0}, Point3{5, -7, 5}}).has_value());
}

TEST(ShapeTest, PlaneHitNormalIsTheGivenNormalUnnormalised) {
  const Plane floor{Vec3{0, 2, 0}, 14};  // still y = -7
  const std::optional<Hit> hit = floor.intersect(Segment{Point3{0, 0, 0}, Point3{0, -14, 0}});
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->position, (Point3{0, -7, 0}));
  EXPECT_EQ(hit->normal, (Vec3{0, 2, 0}));
}

TEST(ShapeTest, FreeFunctionsDispatchOnTheHeldShape) {
  const Segment down{Point3{0, 10, 10}, Point3{0, -20, 10}};
  const Shape ball = kBall;
  const Shape floor = kFloor;
  EXPECT_EQ(intersect(ball, down), kBall.intersect(down));
  EXPECT_EQ(intersect(floor, down)->position, kFloor.intersect(down)->position);
  EXPECT_TRUE(hits(ball, down));
  EXPECT_TRUE(hits(floor, down));
  EXPECT_FALSE(hits(ball, Segment{Point3{0, 5, 0}, Point3{0, 6, 0}}));
}

TEST(ShapeTest, WithinReachNeverRejectsAShapeAShortSegmentHits) {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> coordinate(-6, 6);
  const Shape shapes[] = {Sphere{Point3{0, 0, 0}, 2}, Sphere{Point3{1, -2, 3}, 0.5},
                          Plane{Vec3{0, 1, 0}, 1}, Plane{Vec3{1, 2, -3}, 0.5}};
  const double reach = 2.5;
  int hits_seen = 0;
  for (int i = 0; i < 20000; ++i) {
    const Point3 from{coordinate(random), coordinate(random), coordinate(random)};
    const Vec3 direction =
        normalised(Vec3{coordinate(random), coordinate(random), coordinate(random)}) * reach;
    for (const Shape& shape : shapes) {
      if (hits(shape, Segment{from, from + direction})) {
        ++hits_seen;
        ASSERT_TRUE(within_reach(shape, from, reach))
            << "from " << from.x << " " << from.y << " " << from.z;
      }
    }
  }
  EXPECT_GT(hits_seen, 1000);
}

TEST(ShapeTest, WithinReachRejectsFarShapes) {
  EXPECT_FALSE(within_reach(kBall, Point3{0, 0, 0}, 2.5));
  EXPECT_TRUE(within_reach(kBall, Point3{0, 0, 6}, 2.5));
  EXPECT_FALSE(within_reach(kFloor, Point3{0, 0, 0}, 2.5));
  EXPECT_TRUE(within_reach(kFloor, Point3{0, -5, 0}, 2.5));
}

}  // namespace
}  // namespace pygmy
