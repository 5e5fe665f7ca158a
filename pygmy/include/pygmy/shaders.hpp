// PyGmy's two surface shaders, `everything` and `spot`, and how each mixes its light terms.
#pragma once

#include <string>
#include <variant>

#include "pygmy/maths.hpp"

namespace pygmy {

// Ambient occlusion: `samples` random directions of length `distance`; the fraction of them
// blocked by another object darkens the surface. Zero samples means no darkening.
//   Occlusion occlusion{.samples = 10, .distance = 2.5};
//   bool enabled = occlusion.samples > 0;
struct Occlusion {
  int samples = 10;
  double distance = 2.5;

  friend bool operator==(const Occlusion&, const Occlusion&) = default;
};

// (1 − reflect)·direct + reflect·reflected, all darkened by occlusion.
//   EverythingShader ball{.reflect = 0.5, .occlusion = {10, 2.5}};
//   Shader shader{"ball", ball};
struct EverythingShader {
  double reflect = 0.5;
  Occlusion occlusion{};

  friend bool operator==(const EverythingShader&, const EverythingShader&) = default;
};

// A spotted floor: direct light is halved where sin(x) + cos(z) > threshold, then
// reflect·reflected + (1 − reflect)·direct·occlusion (reflections are not darkened).
//   SpotShader floor{.reflect = 0.5, .threshold = 0.5, .occlusion = {10, 2.5}};
//   Shader shader{"floor", floor};
struct SpotShader {
  double reflect = 0.5;
  double threshold = 0.5;
  Occlusion occlusion{};

  friend bool operator==(const SpotShader&, const SpotShader&) = default;
};

// A named shader, as objects refer to it in a scene file.
//   Shader shader{"ball", EverythingShader{}};
//   const Occlusion& o = occlusion_of(shader);
struct Shader {
  std::string name{};
  std::variant<EverythingShader, SpotShader> kind{};

  friend bool operator==(const Shader&, const Shader&) = default;
};

// The occlusion settings of whichever kind `shader` is.
//   int samples = occlusion_of(shader).samples;
//   double reach = occlusion_of(shader).distance;
[[nodiscard]] const Occlusion& occlusion_of(const Shader& shader);

// The light terms a shader mixes at one surface point.
//   ShadingTerms terms{.position = hit.position, .direct = d, .reflected = r, .ambient = 0.8};
//   Colour c = shade(shader, terms);
struct ShadingTerms {
  Point3 position{};   // where the surface is lit (the spot pattern depends on it)
  Colour direct{};     // Σ unshadowed light colour × dot(L, N)
  Colour reflected{};  // Σ colours of the other objects the reflected segment hits
  double ambient = 1;  // 1 − fraction of occlusion samples blocked
};

// The surface colour `shader` makes of `terms`, with PyGmy's order of operations.
//   Colour c = shade(Shader{"ball", EverythingShader{}}, terms);
//   Colour half = shade(shader, ShadingTerms{.direct = Colour{1, 1, 1}});
[[nodiscard]] Colour shade(const Shader& shader, const ShadingTerms& terms);

}  // namespace pygmy
