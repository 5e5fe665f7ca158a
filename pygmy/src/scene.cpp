// The built-in PyGmy scene and small scene adjustments.
#include "pygmy/scene.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace pygmy {

Scene builtin_scene() {
  Scene scene;
  scene.name = "builtin";
  scene.width = 300;
  scene.height = 200;
  scene.camera = Camera{};
  scene.trace_depth = 2;
  scene.seed = 1;
  const Occlusion occlusion{.samples = 10, .distance = 2.5};
  scene.shaders = {
      Shader{"ball", EverythingShader{.reflect = 0.5, .occlusion = occlusion}},
      Shader{"floor", SpotShader{.reflect = 0.5, .threshold = 0.5, .occlusion = occlusion}},
  };
  constexpr std::size_t kBall = 0;
  constexpr std::size_t kFloor = 1;

  // PyGmy places its ring with 3.141 rather than π, so the ring does not quite close.
  const Vec3 offset{0, -5, 55};
  const double ring_radius = 12.0;
  const int balls = 10;
  const double angle_per_ball = (2 * 3.141) / balls;
  for (int i = 0; i < balls; ++i) {
    const double angle = 0.3 + angle_per_ball * i;
    const Vec3 on_ring{std::sin(angle) * ring_radius, 0, std::cos(angle) * ring_radius};
    scene.objects.push_back(Object{Sphere{on_ring + offset, 2}, kBall});
  }
  scene.objects.push_back(Object{Sphere{Vec3{3, 3, 0} + offset, 5}, kBall});
  scene.objects.push_back(Object{Plane{Vec3{0, 1, 0}, 7}, kFloor});

  scene.lights.push_back(ParallelLight{Vec3{1, 1, -1}, Colour{0.3, 0.9, 0.1}});
  scene.lights.push_back(PointLight{Point3{5, 100, -5}, Colour{0.5, 0.5, 1}});
  return scene;
}

Scene with_size(Scene scene, int width, int height) {
  if (width < 1 || height < 1 || width > kMaxImageSide || height > kMaxImageSide) {
    throw std::invalid_argument("image sides must be from 1 to " + std::to_string(kMaxImageSide) +
                                ", got " + std::to_string(width) + "x" + std::to_string(height));
  }
  scene.width = width;
  scene.height = height;
  return scene;
}

Scene with_seed(Scene scene, std::uint64_t seed) {
  scene.seed = seed;
  return scene;
}

}  // namespace pygmy
