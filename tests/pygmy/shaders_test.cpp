// Tests of how the `everything` and `spot` shaders mix direct, reflected and ambient terms.
#include "pygmy/shaders.hpp"

#include <numbers>

#include <gtest/gtest.h>

namespace pygmy {
namespace {

TEST(ShaderTest, EverythingMixesDirectAndReflectedThenDarkensBoth) {
  const Shader ball{"ball", EverythingShader{.reflect = 0.5, .occlusion = {}}};
  const ShadingTerms terms{.position = Point3{0, 0, 0},
                           .direct = Colour{1, 0, 0},
                           .reflected = Colour{0, 1, 0},
                           .ambient = 0.5};
  EXPECT_EQ(shade(ball, terms), (Colour{0.25, 0.25, 0}));
}

TEST(ShaderTest, EverythingWeightsByTheReflectAmount) {
  const Shader mirror{"mirror", EverythingShader{.reflect = 0.75, .occlusion = {}}};
  const ShadingTerms terms{.position = {}, .direct = Colour{1, 1, 1}, .reflected = Colour{0, 0, 0}};
  EXPECT_EQ(shade(mirror, terms), (Colour{0.25, 0.25, 0.25}));
}

TEST(ShaderTest, SpotHalvesDirectLightWhereThePatternIsBright) {
  // sin(0) + cos(0) = 1 > 0.5
  const Shader floor{"floor", SpotShader{.reflect = 0.5, .threshold = 0.5, .occlusion = {}}};
  const ShadingTerms terms{.position = Point3{0, 0, 0}, .direct = Colour{1, 1, 1}, .reflected = {}};
  EXPECT_EQ(shade(floor, terms), (Colour{0.25, 0.25, 0.25}));
}

TEST(ShaderTest, SpotKeepsDirectLightWhereThePatternIsDark) {
  // sin(-π/2) + cos(0) = 0 ≤ 0.5
  const Shader floor{"floor", SpotShader{.reflect = 0.5, .threshold = 0.5, .occlusion = {}}};
  const ShadingTerms terms{
      .position = Point3{-std::numbers::pi / 2, 0, 0}, .direct = Colour{1, 1, 1}, .reflected = {}};
  EXPECT_EQ(shade(floor, terms), (Colour{0.5, 0.5, 0.5}));
}

TEST(ShaderTest, SpotDoesNotDarkenReflectionsByOcclusion) {
  const Shader floor{"floor", SpotShader{.reflect = 0.5, .threshold = 0.5, .occlusion = {}}};
  const ShadingTerms terms{.position = Point3{-std::numbers::pi / 2, 0, 0},
                           .direct = Colour{1, 1, 1},
                           .reflected = Colour{1, 1, 1},
                           .ambient = 0};
  EXPECT_EQ(shade(floor, terms), (Colour{0.5, 0.5, 0.5}));
}

TEST(ShaderTest, OcclusionOfReturnsTheShadersSettings) {
  const Shader floor{"floor", SpotShader{.reflect = 0.5, .threshold = 0.5, .occlusion = {3, 1.5}}};
  EXPECT_EQ(occlusion_of(floor), (Occlusion{3, 1.5}));
  const Shader ball{"ball", EverythingShader{.reflect = 0.5, .occlusion = {0, 2.5}}};
  EXPECT_EQ(occlusion_of(ball).samples, 0);
}

}  // namespace
}  // namespace pygmy
