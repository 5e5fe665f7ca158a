// PyGmy's two lights: a parallel (sun-like) light and a point light, both casting hard shadows.
#pragma once

#include <variant>

#include "pygmy/maths.hpp"

namespace pygmy {

// Light arriving from one direction everywhere. The direction points towards the light and is
// normalised on construction; shadows are tested along 1000 units of it.
//   ParallelLight sun{Vec3{1, 1, -1}, Colour{0.3, 0.9, 0.1}};
//   Vec3 towards_sun = sun.direction();  // unit length
class ParallelLight {
 public:
  // A light shining from `towards_light` (any non-zero length) with `colour`.
  //   ParallelLight sun{Vec3{0, 1, 0}, Colour{1, 1, 1}};
  //   Colour c = sun.colour();
  ParallelLight(const Vec3& towards_light, const Colour& colour);

  // The unit vector towards the light.
  //   double facing = glm::dot(sun.direction(), normal);
  //   bool lit_side = facing > 0;
  [[nodiscard]] const Vec3& direction() const { return direction_; }

  // The light's colour; negative components subtract light.
  //   Colour c = sun.colour();
  //   double red = c.r;
  [[nodiscard]] const Colour& colour() const { return colour_; }

  friend bool operator==(const ParallelLight&, const ParallelLight&) = default;

 private:
  Vec3 direction_;
  Colour colour_;
};

// Light radiating from one position.
//   PointLight bulb{Point3{5, 100, -5}, Colour{0.5, 0.5, 1}};
//   Segment shadow = shadow_segment(Light{bulb}, position);
struct PointLight {
  Point3 position{};
  Colour colour{};

  friend bool operator==(const PointLight&, const PointLight&) = default;
};

// Any light a scene can hold.
//   Light light = PointLight{Point3{0, 10, 0}, Colour{1, 1, 1}};
//   Colour c = unshadowed_light(light, position, normal);
using Light = std::variant<ParallelLight, PointLight>;

// The segment from `position` that any other object must cross to shadow it from `light`:
// towards a parallel light 1000 units along its direction, to a point light its position.
//   Segment s = shadow_segment(light, hit.position);
//   bool dark = any_other_object_hits(s);
[[nodiscard]] Segment shadow_segment(const Light& light, const Point3& position);

// The light's colour × dot(towards light, normal), unclamped, so a surface facing away from
// the light (or a light of negative colour) takes light away.
//   Colour direct = unshadowed_light(light, hit.position, hit.normal);
//   total += direct;
[[nodiscard]] Colour unshadowed_light(const Light& light, const Point3& position,
                                      const Vec3& normal);

}  // namespace pygmy
