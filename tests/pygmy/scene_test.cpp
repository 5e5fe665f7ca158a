// Tests of the built-in PyGmy scene and the scene adjustments the command uses.
#include "pygmy/scene.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace pygmy {
namespace {

TEST(SceneTest, BuiltinSceneHasPyGmysSizeCameraAndCounts) {
  const Scene scene = builtin_scene();
  EXPECT_EQ(scene.width, 300);
  EXPECT_EQ(scene.height, 200);
  EXPECT_EQ(scene.camera, Camera{});
  EXPECT_EQ(scene.camera.image_plane, 5.0);
  EXPECT_EQ(scene.camera.back_plane, 2000.0);
  EXPECT_EQ(scene.trace_depth, 2);
  EXPECT_EQ(scene.shaders.size(), 2U);
  EXPECT_EQ(scene.objects.size(), 12U);
  EXPECT_EQ(scene.lights.size(), 2U);
}

TEST(SceneTest, BuiltinRingIsPlacedWith3141AsTheOriginalDoes) {
  // Centres printed by the Python original with 17 significant digits.
  const Scene scene = builtin_scene();
  EXPECT_EQ(std::get<Sphere>(scene.objects[0].shape).centre,
            (Point3{3.5462424799360743, -5, 66.46403786950728}));
  EXPECT_EQ(std::get<Sphere>(scene.objects[9].shape).centre,
            (Point3{-3.8815373013087884, -5, 66.354896220509829}));
  EXPECT_EQ(std::get<Sphere>(scene.objects[9].shape).radius, 2);
}

TEST(SceneTest, BuiltinSceneEndsWithTheBigBallAndTheFloor) {
  const Scene scene = builtin_scene();
  EXPECT_EQ(std::get<Sphere>(scene.objects[10].shape), (Sphere{Point3{3, -2, 55}, 5}));
  EXPECT_EQ(std::get<Plane>(scene.objects[11].shape), (Plane{Vec3{0, 1, 0}, 7}));
  EXPECT_EQ(scene.shaders[scene.objects[11].shader].name, "floor");
  EXPECT_TRUE(std::holds_alternative<SpotShader>(scene.shaders[scene.objects[11].shader].kind));
}

TEST(SceneTest, BuiltinLightsAreTheParallelThenThePointLight) {
  const Scene scene = builtin_scene();
  EXPECT_EQ(std::get<ParallelLight>(scene.lights[0]),
            (ParallelLight{Vec3{1, 1, -1}, Colour{0.3, 0.9, 0.1}}));
  EXPECT_EQ(std::get<PointLight>(scene.lights[1]),
            (PointLight{Point3{5, 100, -5}, Colour{0.5, 0.5, 1}}));
}

TEST(SceneTest, WithSizeChangesOnlyTheSize) {
  const Scene scene = with_size(builtin_scene(), 64, 48);
  EXPECT_EQ(scene.width, 64);
  EXPECT_EQ(scene.height, 48);
  EXPECT_EQ(scene.objects, builtin_scene().objects);
}

TEST(SceneTest, WithSizeRejectsSizesThatAreNotPositive) {
  EXPECT_THROW(static_cast<void>(with_size(builtin_scene(), 0, 10)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(with_size(builtin_scene(), 10, -1)), std::invalid_argument);
}

TEST(SceneTest, WithSizeAcceptsTheLargestImageSideAndRejectsOneMore) {
  EXPECT_EQ(with_size(builtin_scene(), kMaxImageSide, 1).width, kMaxImageSide);
  EXPECT_THROW(static_cast<void>(with_size(builtin_scene(), kMaxImageSide + 1, 10)),
               std::invalid_argument);
  EXPECT_THROW(static_cast<void>(with_size(builtin_scene(), 10, kMaxImageSide + 1)),
               std::invalid_argument);
}

TEST(SceneTest, WithSeedChangesOnlyTheSeed) {
  Scene expected = builtin_scene();
  expected.seed = 99;
  EXPECT_EQ(with_seed(builtin_scene(), 99), expected);
}

TEST(SceneTest, CopiesAreIndependentValues) {
  const Scene original = builtin_scene();
  Scene copy = original;
  copy.objects.pop_back();
  EXPECT_EQ(original.objects.size(), 12U);
  EXPECT_NE(copy, original);
}

}  // namespace
}  // namespace pygmy
