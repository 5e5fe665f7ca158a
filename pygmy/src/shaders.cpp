// Shader mixing formulas, grouped exactly as PyGmy's Python expressions are.
#include "pygmy/shaders.hpp"

#include <cmath>

namespace pygmy {
namespace {

struct Mix {
  const ShadingTerms& terms;

  // PyGmy: col = col*0.5 + ref*0.5; return col*occlusion
  Colour operator()(const EverythingShader& s) const {
    return (terms.direct * (1 - s.reflect) + terms.reflected * s.reflect) * terms.ambient;
  }

  // PyGmy: if sin(x)+cos(z) > 0.5: col = col/2; return ref*0.5 + col*0.5*occlusion
  Colour operator()(const SpotShader& s) const {
    Colour direct = terms.direct;
    if (std::sin(terms.position.x) + std::cos(terms.position.z) > s.threshold) {
      direct = direct / 2.0;
    }
    return terms.reflected * s.reflect + direct * (1 - s.reflect) * terms.ambient;
  }
};

}  // namespace

const Occlusion& occlusion_of(const Shader& shader) {
  return std::visit([](const auto& kind) -> const Occlusion& { return kind.occlusion; },
                    shader.kind);
}

Colour shade(const Shader& shader, const ShadingTerms& terms) {
  return std::visit(Mix{terms}, shader.kind);
}

}  // namespace pygmy
