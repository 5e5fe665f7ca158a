// A complete description of a picture: image size, camera, shaders, objects and lights.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "pygmy/camera.hpp"
#include "pygmy/lights.hpp"
#include "pygmy/shaders.hpp"
#include "pygmy/shapes.hpp"

namespace pygmy {

// The largest image side, in pixels, of a scene (file, with_size, `pygmy render --size`); keeps
// width × height × 3 far from overflowing. read_tiff() accepts the same sizes.
//   bool fits = width <= kMaxImageSide && height <= kMaxImageSide;
inline constexpr int kMaxImageSide = 1 << 16;

// A shape in the scene and the index of its shader in Scene::shaders.
//   Object ball{Sphere{Point3{0, -5, 67}, 2}, 0};
//   const Shader& s = scene.shaders[ball.shader];
struct Object {
  Shape shape{};
  std::size_t shader = 0;

  friend bool operator==(const Object&, const Object&) = default;
};

// Everything needed to render a picture. A plain value: copy it, change it, render it.
//   Scene scene = builtin_scene();
//   scene.objects.push_back(Object{Sphere{Point3{0, 0, 40}, 3}, 0});
struct Scene {
  std::string name{};             // for descriptions, e.g. the scene file's stem
  int width = 300;                // image width in pixels
  int height = 200;               // image height in pixels
  Camera camera{};                // how pixels become segments
  int trace_depth = 2;            // how many times reflections recurse
  std::uint64_t seed = 1;         // keys every random draw (ambient occlusion directions)
  std::vector<Shader> shaders{};  // objects refer to these by index
  std::vector<Object> objects{};  // tested in this order; objects never hit themselves
  std::vector<Light> lights{};

  friend bool operator==(const Scene&, const Scene&) = default;
};

// PyGmy's own demo: ten balls on a ring around a big one, above a spotted floor, lit by a
// green-tinted parallel light and a blue-tinted point light; 300 × 200, seed 1.
//   Scene scene = builtin_scene();
//   Image image = render_sequential(scene);
[[nodiscard]] Scene builtin_scene();

// `scene` rendered at another size (the camera keeps its field of view vertically).
// Throws std::invalid_argument unless both sizes are from 1 to kMaxImageSide.
//   Scene big = with_size(builtin_scene(), 1920, 1280);
//   int w = big.width;  // 1920
[[nodiscard]] Scene with_size(Scene scene, int width, int height);

// `scene` with another random seed (a different ambient occlusion noise).
//   Scene other = with_seed(builtin_scene(), 7);
//   bool same = other.seed == 7;
[[nodiscard]] Scene with_seed(Scene scene, std::uint64_t seed);

}  // namespace pygmy
