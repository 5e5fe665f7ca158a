// Vectors, colours and segments: the few pieces of geometry PyGmy's `vec` and `line` provided.
#pragma once

#include <cmath>

#include <glm/geometric.hpp>
#include <glm/vec3.hpp>

namespace pygmy {

// A direction or offset in scene space (double precision, like Python floats).
//   Vec3 up{0, 1, 0};
//   double height = glm::dot(up, point);
using Vec3 = glm::dvec3;

// A position in scene space.
//   Point3 centre{3, -2, 55};
//   Vec3 offset = hit - centre;
using Point3 = glm::dvec3;

// Linear RGB, 1.0 is full intensity; values may go negative or above one before the pixel clamp.
//   Colour sky{0.5, 0.5, 1};
//   Colour dimmed = sky * 0.5;
using Colour = glm::dvec3;

// A finite ray from `start` to `end`: every intersection needs a parameter t in [0, 1].
//   Segment shadow{position, light_position};
//   Vec3 along = shadow.vector();
struct Segment {
  Point3 start{};
  Point3 end{};

  // The vector from start to end, PyGmy's `line.vec()`.
  //   Vec3 d = segment.vector();
  //   double length_squared = glm::dot(d, d);
  [[nodiscard]] Vec3 vector() const { return end - start; }

  friend bool operator==(const Segment&, const Segment&) = default;
};

// `v` divided by its length, or `v` itself when its length is zero (PyGmy's `vec.norm()`; it
// divides each component, which rounds differently from multiplying by a reciprocal).
//   Vec3 unit = normalised(Vec3{1, 1, -1});
//   Vec3 zero = normalised(Vec3{0, 0, 0});  // stays zero
[[nodiscard]] inline Vec3 normalised(const Vec3& v) {
  const double length = std::sqrt(glm::dot(v, v));
  if (length == 0) {
    return v;
  }
  return Vec3{v.x / length, v.y / length, v.z / length};
}

// `v` mirrored about the plane with unit normal `normal`: v − normal·(2·v·normal).
//   Vec3 bounced = reflected(Vec3{1, -1, 0}, Vec3{0, 1, 0});  // {1, 1, 0}
//   Segment next{hit, hit + bounced};
[[nodiscard]] inline Vec3 reflected(const Vec3& v, const Vec3& normal) {
  const double twice_along_normal = glm::dot(v, normal) * 2;
  return v - normal * twice_along_normal;
}

}  // namespace pygmy
