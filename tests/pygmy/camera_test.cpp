// Tests of PyGmy's pixel-to-segment mapping (no half-pixel offset, +x to the left).
#include "pygmy/camera.hpp"

#include <gtest/gtest.h>

namespace pygmy {
namespace {

TEST(CameraTest, TopLeftPixelLooksUpAndToPositiveX) {
  const Segment ray = Camera{}.ray(0, 0, 300, 200);
  EXPECT_EQ(ray.start, (Point3{0, 0, 0}));
  // x = 2·(0.5 − 0)·1.5 = 1.5, y = 1, scaled by the back plane.
  EXPECT_EQ(ray.end, (Point3{3000, 2000, 10000}));
}

TEST(CameraTest, PixelAtHalfTheSizeLooksStraightAheadBecauseThereIsNoHalfPixelOffset) {
  const Segment ray = Camera{}.ray(150, 100, 300, 200);
  EXPECT_EQ(ray.end, (Point3{0, 0, 10000}));
}

TEST(CameraTest, ImageAndBackPlanesScaleTheSegment) {
  const Camera camera{
      .projection = Camera::Projection::perspective, .image_plane = 2, .back_plane = 10};
  EXPECT_EQ(camera.ray(0, 4, 4, 4).end, (Point3{10, -10, 20}));
}

TEST(CameraTest, OrthographicSegmentsAreParallelFromTheImagePlane) {
  const Camera camera{.projection = Camera::Projection::orthographic};
  const Segment ray = camera.ray(0, 0, 300, 200);
  EXPECT_EQ(ray.start, (Point3{1.5, 1, 0}));
  EXPECT_EQ(ray.end, (Point3{1.5, 1, 2000}));
}

}  // namespace
}  // namespace pygmy
