// The two shapes PyGmy knows, spheres and planes, and its rules for where a segment meets them.
// Everything here is inline: these are the innermost loops of the tracer.
#pragma once

#include <cmath>
#include <optional>
#include <variant>

#include <glm/geometric.hpp>

#include "pygmy/maths.hpp"

namespace pygmy {

// Where a segment meets a shape and the surface normal there.
//   if (auto hit = sphere.intersect(ray)) { use(hit->position, hit->normal); }
//   double depth = hit->position.z;
struct Hit {
  Point3 position{};
  Vec3 normal{};

  friend bool operator==(const Hit&, const Hit&) = default;
};

// A ball. A segment hits it at the near root of |start + t·d − centre|² = radius² when the
// discriminant is strictly positive and 0 < t < 1, so a tangent segment or one starting inside
// the sphere (near root behind it) misses.
//   Sphere ball{Point3{0, -5, 67}, 2};
//   std::optional<Hit> hit = ball.intersect(Segment{Point3{0, 0, 0}, Point3{0, -5, 100}});
struct Sphere {
  Point3 centre{};
  double radius = 1;

  // The segment parameter t of the near hit, or nothing.
  //   std::optional<double> t = ball.parameter(ray);
  //   Point3 where = ray.start + ray.vector() * *t;
  [[nodiscard]] std::optional<double> parameter(const Segment& segment) const;

  // The near hit, or nothing; the normal is unit length.
  //   auto hit = ball.intersect(ray);
  //   bool lit = hit && hit->normal.y > 0;
  [[nodiscard]] std::optional<Hit> intersect(const Segment& segment) const;

  friend bool operator==(const Sphere&, const Sphere&) = default;
};

// The plane normal·p + distance = 0. A segment hits it when 0 ≤ t ≤ 1 (inclusive) and is not
// parallel to it. The hit's normal is `normal` as given (PyGmy does not normalise it).
//   Plane floor{Vec3{0, 1, 0}, 7};  // the plane y = −7
//   std::optional<Hit> hit = floor.intersect(ray);
struct Plane {
  Vec3 normal{0, 1, 0};
  double distance = 0;

  // The segment parameter t of the hit, or nothing.
  //   std::optional<double> t = floor.parameter(ray);
  //   bool at_end = t && *t == 1;
  [[nodiscard]] std::optional<double> parameter(const Segment& segment) const;

  // The hit, or nothing.
  //   auto hit = floor.intersect(ray);
  //   double x = hit ? hit->position.x : 0;
  [[nodiscard]] std::optional<Hit> intersect(const Segment& segment) const;

  friend bool operator==(const Plane&, const Plane&) = default;
};

// Any shape a scene can hold.
//   Shape shape = Sphere{Point3{0, 0, 10}, 1};
//   std::optional<Hit> hit = intersect(shape, ray);
using Shape = std::variant<Sphere, Plane>;

// Intersects whichever shape `shape` holds.
//   std::optional<Hit> hit = intersect(object.shape, ray);
//   if (hit) { depth = hit->position.z; }
[[nodiscard]] std::optional<Hit> intersect(const Shape& shape, const Segment& segment);

// Whether the segment hits whichever shape `shape` holds, without working out where.
//   bool occluded = hits(object.shape, Segment{position, position + direction});
//   if (occluded) { ++count; }
[[nodiscard]] bool hits(const Shape& shape, const Segment& segment);

// False only when no segment starting at `from` and at most `reach` long can hit `shape`,
// allowing generously for rounding, so skipping such shapes never changes a picture.
//   bool worth_testing = within_reach(object.shape, hit.position, 2.5);
//   if (!worth_testing) { continue; }
[[nodiscard]] bool within_reach(const Shape& shape, const Point3& from, double reach);

// Definitions. The terms are grouped exactly as PyGmy's Python groups them, so every pixel
// rounds the same way as the original.

inline std::optional<double> Sphere::parameter(const Segment& segment) const {
  const Vec3 d = segment.vector();
  const Point3& s = segment.start;
  const Point3& p = centre;
  const double a = glm::dot(d, d);
  const double b = 2 * glm::dot(d, s - p);
  const double c = glm::dot(p, p) + glm::dot(s, s) - 2 * glm::dot(p, s) - radius * radius;
  const double discriminant = b * b - 4 * a * c;
  if (!(discriminant > 0)) {
    return std::nullopt;
  }
  const double t = (-b - std::sqrt(discriminant)) / (2 * a);
  if (!(t > 0 && t < 1)) {
    return std::nullopt;
  }
  return t;
}

inline std::optional<Hit> Sphere::intersect(const Segment& segment) const {
  const std::optional<double> t = parameter(segment);
  if (!t) {
    return std::nullopt;
  }
  const Point3 position = segment.start + segment.vector() * *t;
  return Hit{position, normalised(position - centre)};
}

inline std::optional<double> Plane::parameter(const Segment& segment) const {
  const double along = glm::dot(normal, segment.vector());
  if (along == 0) {
    return std::nullopt;
  }
  const double t = -(glm::dot(normal, segment.start) + distance) / along;
  if (t < 0 || t > 1) {
    return std::nullopt;
  }
  return t;
}

inline std::optional<Hit> Plane::intersect(const Segment& segment) const {
  const std::optional<double> t = parameter(segment);
  if (!t) {
    return std::nullopt;
  }
  return Hit{segment.start + segment.vector() * *t, normal};
}

inline std::optional<Hit> intersect(const Shape& shape, const Segment& segment) {
  if (const Sphere* sphere = std::get_if<Sphere>(&shape)) {
    return sphere->intersect(segment);
  }
  return std::get<Plane>(shape).intersect(segment);
}

inline bool hits(const Shape& shape, const Segment& segment) {
  if (const Sphere* sphere = std::get_if<Sphere>(&shape)) {
    return sphere->parameter(segment).has_value();
  }
  return std::get<Plane>(shape).parameter(segment).has_value();
}

inline bool within_reach(const Shape& shape, const Point3& from, double reach) {
  // Rounding in the hit tests is of order 1e-16 × the squared coordinates; 1e-9 of them (plus
  // 1e-9 absolute) is a margin no rounding error comes near.
  if (const Sphere* sphere = std::get_if<Sphere>(&shape)) {
    const Vec3 offset = from - sphere->centre;
    const double limit = sphere->radius + reach;
    const double slack = 1e-9 * (1 + glm::dot(from, from) +
                                 glm::dot(sphere->centre, sphere->centre) + limit * limit);
    return glm::dot(offset, offset) <= limit * limit + slack;
  }
  const Plane& plane = std::get<Plane>(shape);
  const double normal_length = std::sqrt(glm::dot(plane.normal, plane.normal));
  const double height = std::abs(glm::dot(plane.normal, from) + plane.distance);
  const double slack = 1e-9 * (1 + normal_length * (reach + std::sqrt(glm::dot(from, from))) +
                               std::abs(plane.distance));
  return height <= normal_length * reach + slack;
}

}  // namespace pygmy
