// Light directions, shadow segments and the unclamped Lambert term, as PyGmy computes them.
#include "pygmy/lights.hpp"

#include <glm/geometric.hpp>

namespace pygmy {
namespace {

// PyGmy's shadow test for a parallel light stops after this many units.
constexpr double kParallelShadowLength = 1000.0;

struct ShadowSegment {
  const Point3& position;
  Segment operator()(const ParallelLight& light) const {
    return Segment{position, position + light.direction() * kParallelShadowLength};
  }
  Segment operator()(const PointLight& light) const { return Segment{position, light.position}; }
};

struct UnshadowedLight {
  const Point3& position;
  const Vec3& normal;
  Colour operator()(const ParallelLight& light) const {
    return light.colour() * glm::dot(light.direction(), normal);
  }
  Colour operator()(const PointLight& light) const {
    // Normalising (position − light) and then negating rounds exactly as PyGmy does.
    const Vec3 towards_light = -normalised(position - light.position);
    return light.colour * glm::dot(towards_light, normal);
  }
};

}  // namespace

ParallelLight::ParallelLight(const Vec3& towards_light, const Colour& colour)
    : direction_(normalised(towards_light)), colour_(colour) {}

Segment shadow_segment(const Light& light, const Point3& position) {
  return std::visit(ShadowSegment{position}, light);
}

Colour unshadowed_light(const Light& light, const Point3& position, const Vec3& normal) {
  return std::visit(UnshadowedLight{position, normal}, light);
}

}  // namespace pygmy
