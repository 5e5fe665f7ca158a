// Sphere lanes and the kernels that test them: one sphere at a time (the reference), or four at
// a time with AVX2 where the CPU has it. The AVX2 kernel makes, lane by lane, the operations of
// the scalar one in the same order (no fused multiply-add: target "avx2" alone does not enable
// FMA, and the project builds with -ffp-contract=off), so both find the same hits.
#include "packed_objects.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#if defined(__x86_64__)
#include <immintrin.h>
#define PYGMY_HAVE_AVX2_KERNEL 1
#else
#define PYGMY_HAVE_AVX2_KERNEL 0
#endif

namespace pygmy {
namespace {

// Whether sphere `i` is hit: Sphere::parameter() with the segment's terms worked out already.
bool sphere_hit(const SphereLanes& s, std::size_t i, const SegmentTerms& t) {
  const double ex = t.start.x - s.x[i];
  const double ey = t.start.y - s.y[i];
  const double ez = t.start.z - s.z[i];
  const double b = 2 * (t.vector.x * ex + t.vector.y * ey + t.vector.z * ez);
  const double start_dot_centre = s.x[i] * t.start.x + s.y[i] * t.start.y + s.z[i] * t.start.z;
  const double c =
      s.centre_squared[i] + t.start_squared - 2 * start_dot_centre - s.radius_squared[i];
  const double discriminant = b * b - t.four_a * c;
  if (!(discriminant > 0)) {
    return false;
  }
  const double root = (-b - std::sqrt(discriminant)) / t.two_a;
  return root > 0 && root < 1;
}

// within_reach() for sphere `i`, with dot(from, from) + 1 worked out already.
bool sphere_within_reach(const SphereLanes& s, std::size_t i, const Point3& from,
                         double one_plus_from_squared, double reach) {
  const double ox = from.x - s.x[i];
  const double oy = from.y - s.y[i];
  const double oz = from.z - s.z[i];
  const double limit = s.radius[i] + reach;
  const double slack = 1e-9 * (one_plus_from_squared + s.centre_squared[i] + limit * limit);
  return ox * ox + oy * oy + oz * oz <= limit * limit + slack;
}

std::size_t real_spheres(const SphereLanes& s) { return s.object.size(); }

// Each kernel offers the same three loops over the lanes: the slots a segment hits; the first
// slot below `end` it hits (or `end`); the slots within reach of a point. `skip` is a slot to
// leave out (or any value past the lanes).

std::size_t scalar_hits(const SphereLanes& s, const SegmentTerms& t, std::size_t skip,
                        std::uint32_t* out) {
  std::size_t found = 0;
  for (std::size_t i = 0; i < real_spheres(s); ++i) {
    if (i != skip && sphere_hit(s, i, t)) {
      out[found++] = static_cast<std::uint32_t>(i);
    }
  }
  return found;
}

std::size_t scalar_first_hit(const SphereLanes& s, const SegmentTerms& t, std::size_t skip,
                             std::size_t end) {
  for (std::size_t i = 0; i < end; ++i) {
    if (i != skip && sphere_hit(s, i, t)) {
      return i;
    }
  }
  return end;
}

std::size_t scalar_within_reach(const SphereLanes& s, const Point3& from, double reach,
                                std::size_t skip, std::uint32_t* out) {
  const double one_plus_from_squared = 1 + glm::dot(from, from);
  std::size_t found = 0;
  for (std::size_t i = 0; i < real_spheres(s); ++i) {
    if (i != skip && sphere_within_reach(s, i, from, one_plus_from_squared, reach)) {
      out[found++] = static_cast<std::uint32_t>(i);
    }
  }
  return found;
}

// The occlusion sample segment from `from` towards direction k of the batch.
Segment sample_segment(const Point3& from, double distance, const SampleBatch& batch,
                       std::size_t k) {
  return Segment{from, from + normalised(Vec3{batch.x[k], batch.y[k], batch.z[k]}) * distance};
}

int scalar_occluded(const Point3& from, double distance, const SampleBatch& batch,
                    std::span<const std::size_t> nearby, const std::vector<const Shape*>& shapes,
                    std::uint64_t& tests) {
  int occluded = 0;
  for (std::size_t k = 0; k < batch.count; ++k) {
    const Segment sample = sample_segment(from, distance, batch, k);
    for (const std::size_t object : nearby) {
      ++tests;
      if (hits(*shapes[object], sample)) {
        ++occluded;
        break;
      }
    }
  }
  return occluded;
}

#if PYGMY_HAVE_AVX2_KERNEL

// The segment's terms in every lane.
struct Avx2Terms {
  __m256d sx, sy, sz;  // start
  __m256d dx, dy, dz;  // vector
  __m256d start_squared, four_a, two_a;
};

#define PYGMY_AVX2 __attribute__((target("avx2"), always_inline)) inline

PYGMY_AVX2 Avx2Terms avx2_terms(const SegmentTerms& t) {
  return {_mm256_set1_pd(t.start.x),       _mm256_set1_pd(t.start.y),  _mm256_set1_pd(t.start.z),
          _mm256_set1_pd(t.vector.x),      _mm256_set1_pd(t.vector.y), _mm256_set1_pd(t.vector.z),
          _mm256_set1_pd(t.start_squared), _mm256_set1_pd(t.four_a),   _mm256_set1_pd(t.two_a)};
}

// Bit k set when the sphere in slot i + k is hit: sphere_hit() in four lanes.
PYGMY_AVX2 int avx2_hit_mask(const SphereLanes& s, std::size_t i, const Avx2Terms& g) {
  const __m256d two = _mm256_set1_pd(2.0);
  const __m256d zero = _mm256_setzero_pd();
  const __m256d px = _mm256_loadu_pd(s.x.data() + i);
  const __m256d py = _mm256_loadu_pd(s.y.data() + i);
  const __m256d pz = _mm256_loadu_pd(s.z.data() + i);
  const __m256d ex = _mm256_sub_pd(g.sx, px);
  const __m256d ey = _mm256_sub_pd(g.sy, py);
  const __m256d ez = _mm256_sub_pd(g.sz, pz);
  const __m256d along = _mm256_add_pd(
      _mm256_add_pd(_mm256_mul_pd(g.dx, ex), _mm256_mul_pd(g.dy, ey)), _mm256_mul_pd(g.dz, ez));
  const __m256d b = _mm256_mul_pd(two, along);
  const __m256d start_dot_centre = _mm256_add_pd(
      _mm256_add_pd(_mm256_mul_pd(px, g.sx), _mm256_mul_pd(py, g.sy)), _mm256_mul_pd(pz, g.sz));
  const __m256d c = _mm256_sub_pd(
      _mm256_sub_pd(_mm256_add_pd(_mm256_loadu_pd(s.centre_squared.data() + i), g.start_squared),
                    _mm256_mul_pd(two, start_dot_centre)),
      _mm256_loadu_pd(s.radius_squared.data() + i));
  const __m256d discriminant = _mm256_sub_pd(_mm256_mul_pd(b, b), _mm256_mul_pd(g.four_a, c));
  const int positive = _mm256_movemask_pd(_mm256_cmp_pd(discriminant, zero, _CMP_GT_OQ));
  // Most spheres miss: leave the square root and the division to the few that may not.
  if (positive == 0) {
    return 0;
  }
  const __m256d minus_b = _mm256_xor_pd(b, _mm256_set1_pd(-0.0));
  const __m256d root = _mm256_div_pd(_mm256_sub_pd(minus_b, _mm256_sqrt_pd(discriminant)), g.two_a);
  const __m256d inside = _mm256_and_pd(_mm256_cmp_pd(root, zero, _CMP_GT_OQ),
                                       _mm256_cmp_pd(root, _mm256_set1_pd(1.0), _CMP_LT_OQ));
  return positive & _mm256_movemask_pd(inside);
}

// The mask without the bit of slot `skip`, if it lies in the four slots from i.
PYGMY_AVX2 int without_skip(int mask, std::size_t i, std::size_t skip) {
  return skip - i < SphereLanes::kLanes ? mask & ~(1 << (skip - i)) : mask;
}

__attribute__((target("avx2"))) std::size_t avx2_hits(const SphereLanes& s, const SegmentTerms& t,
                                                      std::size_t skip, std::uint32_t* out) {
  const Avx2Terms g = avx2_terms(t);
  std::size_t found = 0;
  for (std::size_t i = 0; i < s.slots(); i += SphereLanes::kLanes) {
    for (int mask = without_skip(avx2_hit_mask(s, i, g), i, skip); mask != 0; mask &= mask - 1) {
      out[found++] = static_cast<std::uint32_t>(i + static_cast<std::size_t>(__builtin_ctz(mask)));
    }
  }
  return found;
}

__attribute__((target("avx2"))) std::size_t avx2_first_hit(const SphereLanes& s,
                                                           const SegmentTerms& t, std::size_t skip,
                                                           std::size_t end) {
  const Avx2Terms g = avx2_terms(t);
  for (std::size_t i = 0; i < end; i += SphereLanes::kLanes) {
    const int mask = without_skip(avx2_hit_mask(s, i, g), i, skip);
    if (mask != 0) {
      return std::min(end, i + static_cast<std::size_t>(__builtin_ctz(mask)));
    }
  }
  return end;
}

__attribute__((target("avx2"))) std::size_t avx2_within_reach(const SphereLanes& s,
                                                              const Point3& from, double reach,
                                                              std::size_t skip,
                                                              std::uint32_t* out) {
  const __m256d fx = _mm256_set1_pd(from.x);
  const __m256d fy = _mm256_set1_pd(from.y);
  const __m256d fz = _mm256_set1_pd(from.z);
  const __m256d one_plus_from_squared = _mm256_set1_pd(1 + glm::dot(from, from));
  const __m256d reach_lanes = _mm256_set1_pd(reach);
  const __m256d tiny = _mm256_set1_pd(1e-9);
  std::size_t found = 0;
  for (std::size_t i = 0; i < s.slots(); i += SphereLanes::kLanes) {
    const __m256d ox = _mm256_sub_pd(fx, _mm256_loadu_pd(s.x.data() + i));
    const __m256d oy = _mm256_sub_pd(fy, _mm256_loadu_pd(s.y.data() + i));
    const __m256d oz = _mm256_sub_pd(fz, _mm256_loadu_pd(s.z.data() + i));
    const __m256d limit = _mm256_add_pd(_mm256_loadu_pd(s.radius.data() + i), reach_lanes);
    const __m256d limit_squared = _mm256_mul_pd(limit, limit);
    const __m256d slack = _mm256_mul_pd(
        tiny, _mm256_add_pd(_mm256_add_pd(one_plus_from_squared,
                                          _mm256_loadu_pd(s.centre_squared.data() + i)),
                            limit_squared));
    const __m256d distance_squared = _mm256_add_pd(
        _mm256_add_pd(_mm256_mul_pd(ox, ox), _mm256_mul_pd(oy, oy)), _mm256_mul_pd(oz, oz));
    const int near = _mm256_movemask_pd(
        _mm256_cmp_pd(distance_squared, _mm256_add_pd(limit_squared, slack), _CMP_LE_OQ));
    for (int mask = without_skip(near, i, skip); mask != 0; mask &= mask - 1) {
      out[found++] = static_cast<std::uint32_t>(i + static_cast<std::size_t>(__builtin_ctz(mask)));
    }
  }
  return found;
}

// Bit k set when the sample segment of lane k (start `from`, vector d) hits `shape`:
// Sphere::parameter() or Plane::parameter() in four lanes, with the terms that depend only on
// the start and the shape worked out once, in scalar, as those functions work them out.
PYGMY_AVX2 int avx2_sample_hit_mask(const Shape& shape, const Point3& from, __m256d dx, __m256d dy,
                                    __m256d dz, __m256d four_a, __m256d two_a) {
  const __m256d zero = _mm256_setzero_pd();
  const __m256d one = _mm256_set1_pd(1.0);
  if (const Sphere* sphere = std::get_if<Sphere>(&shape)) {
    const Point3& p = sphere->centre;
    const Vec3 e = from - p;
    const double c = glm::dot(p, p) + glm::dot(from, from) - 2 * glm::dot(p, from) -
                     sphere->radius * sphere->radius;
    const __m256d along = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(dx, _mm256_set1_pd(e.x)),
                                                      _mm256_mul_pd(dy, _mm256_set1_pd(e.y))),
                                        _mm256_mul_pd(dz, _mm256_set1_pd(e.z)));
    const __m256d b = _mm256_mul_pd(_mm256_set1_pd(2.0), along);
    const __m256d discriminant =
        _mm256_sub_pd(_mm256_mul_pd(b, b), _mm256_mul_pd(four_a, _mm256_set1_pd(c)));
    const int positive = _mm256_movemask_pd(_mm256_cmp_pd(discriminant, zero, _CMP_GT_OQ));
    if (positive == 0) {
      return 0;
    }
    const __m256d minus_b = _mm256_xor_pd(b, _mm256_set1_pd(-0.0));
    const __m256d root = _mm256_div_pd(_mm256_sub_pd(minus_b, _mm256_sqrt_pd(discriminant)), two_a);
    const __m256d inside =
        _mm256_and_pd(_mm256_cmp_pd(root, zero, _CMP_GT_OQ), _mm256_cmp_pd(root, one, _CMP_LT_OQ));
    return positive & _mm256_movemask_pd(inside);
  }
  const Plane& plane = std::get<Plane>(shape);
  const double numerator = -(glm::dot(plane.normal, from) + plane.distance);
  const __m256d along =
      _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(plane.normal.x), dx),
                                  _mm256_mul_pd(_mm256_set1_pd(plane.normal.y), dy)),
                    _mm256_mul_pd(_mm256_set1_pd(plane.normal.z), dz));
  // Not parallel (a NaN is not zero, as in Plane::parameter), and t not outside [0, 1].
  const __m256d crossing = _mm256_cmp_pd(along, zero, _CMP_NEQ_UQ);
  const __m256d t = _mm256_div_pd(_mm256_set1_pd(numerator), along);
  const __m256d outside =
      _mm256_or_pd(_mm256_cmp_pd(t, zero, _CMP_LT_OQ), _mm256_cmp_pd(t, one, _CMP_GT_OQ));
  return _mm256_movemask_pd(_mm256_andnot_pd(outside, crossing));
}

__attribute__((target("avx2"))) int avx2_occluded(const Point3& from, double distance,
                                                  const SampleBatch& batch,
                                                  std::span<const std::size_t> nearby,
                                                  const std::vector<const Shape*>& shapes,
                                                  std::uint64_t& tests) {
  const __m256d zero = _mm256_setzero_pd();
  const __m256d fx = _mm256_set1_pd(from.x);
  const __m256d fy = _mm256_set1_pd(from.y);
  const __m256d fz = _mm256_set1_pd(from.z);
  const __m256d reach = _mm256_set1_pd(distance);
  int occluded = 0;
  for (std::size_t i = 0; i < batch.count; i += SphereLanes::kLanes) {
    // normalised(v) · distance, then the segment's vector (from + that) − from, lane by lane.
    const __m256d vx = _mm256_loadu_pd(batch.x.data() + i);
    const __m256d vy = _mm256_loadu_pd(batch.y.data() + i);
    const __m256d vz = _mm256_loadu_pd(batch.z.data() + i);
    const __m256d length = _mm256_sqrt_pd(_mm256_add_pd(
        _mm256_add_pd(_mm256_mul_pd(vx, vx), _mm256_mul_pd(vy, vy)), _mm256_mul_pd(vz, vz)));
    const __m256d zero_length = _mm256_cmp_pd(length, zero, _CMP_EQ_OQ);
    const __m256d ux = _mm256_blendv_pd(_mm256_div_pd(vx, length), vx, zero_length);
    const __m256d uy = _mm256_blendv_pd(_mm256_div_pd(vy, length), vy, zero_length);
    const __m256d uz = _mm256_blendv_pd(_mm256_div_pd(vz, length), vz, zero_length);
    const __m256d dx = _mm256_sub_pd(_mm256_add_pd(fx, _mm256_mul_pd(ux, reach)), fx);
    const __m256d dy = _mm256_sub_pd(_mm256_add_pd(fy, _mm256_mul_pd(uy, reach)), fy);
    const __m256d dz = _mm256_sub_pd(_mm256_add_pd(fz, _mm256_mul_pd(uz, reach)), fz);
    const __m256d a = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(dx, dx), _mm256_mul_pd(dy, dy)),
                                    _mm256_mul_pd(dz, dz));
    const __m256d four_a = _mm256_mul_pd(_mm256_set1_pd(4.0), a);
    const __m256d two_a = _mm256_mul_pd(_mm256_set1_pd(2.0), a);
    const std::size_t lanes = std::min(SphereLanes::kLanes, batch.count - i);
    const int all = (1 << lanes) - 1;
    int open = all;  // samples no object has blocked yet
    for (const std::size_t object : nearby) {
      if (open == 0) {
        break;
      }
      tests += static_cast<std::uint64_t>(__builtin_popcount(static_cast<unsigned>(open)));
      open &= ~avx2_sample_hit_mask(*shapes[object], from, dx, dy, dz, four_a, two_a);
    }
    occluded += __builtin_popcount(static_cast<unsigned>(all & ~open));
  }
  return occluded;
}

#undef PYGMY_AVX2

#endif  // PYGMY_HAVE_AVX2_KERNEL

}  // namespace

SegmentTerms::SegmentTerms(const Segment& segment)
    : start(segment.start),
      vector(segment.vector()),
      start_squared(glm::dot(start, start)),
      four_a(4 * glm::dot(vector, vector)),
      two_a(2 * glm::dot(vector, vector)) {}

SphereLanes::SphereLanes(const std::vector<Object>& objects) {
  for (std::size_t i = 0; i < objects.size(); ++i) {
    if (const Sphere* sphere = std::get_if<Sphere>(&objects[i].shape)) {
      x.push_back(sphere->centre.x);
      y.push_back(sphere->centre.y);
      z.push_back(sphere->centre.z);
      radius.push_back(sphere->radius);
      centre_squared.push_back(glm::dot(sphere->centre, sphere->centre));
      radius_squared.push_back(sphere->radius * sphere->radius);
      object.push_back(i);
    }
  }
  // NaN makes every comparison false: padding is never hit and never within reach.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::size_t padded = (x.size() + kLanes - 1) / kLanes * kLanes;
  for (std::vector<double>* lane : {&x, &y, &z, &radius, &centre_squared, &radius_squared}) {
    lane->resize(padded, nan);
  }
}

bool kernel_supported(Kernel kernel) {
  switch (kernel) {
    case Kernel::scalar:
      return true;
    case Kernel::avx2:
#if PYGMY_HAVE_AVX2_KERNEL
      return __builtin_cpu_supports("avx2");
#else
      return false;
#endif
  }
  return false;
}

Kernel best_kernel() { return kernel_supported(Kernel::avx2) ? Kernel::avx2 : Kernel::scalar; }

const char* kernel_name(Kernel kernel) {
  switch (kernel) {
    case Kernel::scalar:
      return "scalar";
    case Kernel::avx2:
      return "avx2";
  }
  return "unknown";
}

PackedObjects::PackedObjects(const std::vector<Object>& objects, Kernel kernel)
    : kernel_(kernel),
      objects_(objects.size()),
      shapes_(objects.size()),
      spheres_(objects),
      sphere_slot_(objects.size(), kNone),
      found_(spheres_.slots()) {
  if (!kernel_supported(kernel)) {
    throw std::invalid_argument(std::string("this CPU cannot run the ") + kernel_name(kernel) +
                                " kernel");
  }
  for (std::size_t slot = 0; slot < spheres_.object.size(); ++slot) {
    sphere_slot_[spheres_.object[slot]] = slot;
  }
  for (std::size_t i = 0; i < objects.size(); ++i) {
    shapes_[i] = &objects[i].shape;
    if (std::holds_alternative<Plane>(objects[i].shape)) {
      planes_.push_back(PlaneEntry{i, &objects[i].shape});
    }
  }
  plane_found_.reserve(planes_.size());
}

std::size_t PackedObjects::slot_of(std::size_t object) const {
  return object < objects_ ? sphere_slot_[object] : kNone;
}

void PackedObjects::merge_with_planes(std::size_t found,
                                      const std::vector<std::size_t>& plane_objects,
                                      std::vector<std::size_t>& out) const {
  out.clear();
  std::size_t sphere = 0;
  std::size_t plane = 0;
  while (sphere < found || plane < plane_objects.size()) {
    const std::size_t next_sphere = sphere < found ? spheres_.object[found_[sphere]] : kNone;
    const std::size_t next_plane = plane < plane_objects.size() ? plane_objects[plane] : kNone;
    if (next_sphere < next_plane) {
      out.push_back(next_sphere);
      ++sphere;
    } else {
      out.push_back(next_plane);
      ++plane;
    }
  }
}

void PackedObjects::hits(const Segment& segment, std::size_t skip, std::vector<std::size_t>& out) {
  const SegmentTerms terms(segment);
  const std::size_t skip_slot = slot_of(skip);
#if PYGMY_HAVE_AVX2_KERNEL
  const std::size_t found = kernel_ == Kernel::avx2
                                ? avx2_hits(spheres_, terms, skip_slot, found_.data())
                                : scalar_hits(spheres_, terms, skip_slot, found_.data());
#else
  const std::size_t found = scalar_hits(spheres_, terms, skip_slot, found_.data());
#endif
  plane_found_.clear();
  for (const PlaneEntry& plane : planes_) {
    if (plane.object != skip && pygmy::hits(*plane.shape, segment)) {
      plane_found_.push_back(plane.object);
    }
  }
  merge_with_planes(found, plane_found_, out);
  tests_ += objects_ - (skip < objects_ ? 1 : 0);
}

bool PackedObjects::blocked(const Segment& segment, std::size_t skip) {
  // The first object in scene order on the segment: the planes (few) first, then the spheres
  // before the first plane found.
  std::size_t first = objects_;
  for (const PlaneEntry& plane : planes_) {
    if (plane.object != skip && pygmy::hits(*plane.shape, segment)) {
      first = plane.object;
      break;
    }
  }
  const std::size_t end = static_cast<std::size_t>(
      std::lower_bound(spheres_.object.begin(), spheres_.object.end(), first) -
      spheres_.object.begin());
  const SegmentTerms terms(segment);
  const std::size_t skip_slot = slot_of(skip);
#if PYGMY_HAVE_AVX2_KERNEL
  const std::size_t slot = kernel_ == Kernel::avx2
                               ? avx2_first_hit(spheres_, terms, skip_slot, end)
                               : scalar_first_hit(spheres_, terms, skip_slot, end);
#else
  const std::size_t slot = scalar_first_hit(spheres_, terms, skip_slot, end);
#endif
  if (slot < end) {
    first = spheres_.object[slot];
  }
  // Testing one object at a time stops at the first that blocks, never testing `skip`.
  const std::size_t tested = first < objects_ ? first + 1 : objects_;
  tests_ += tested - (skip < tested ? 1 : 0);
  return first < objects_;
}

void PackedObjects::within_reach(const Point3& from, double reach, std::size_t skip,
                                 std::vector<std::size_t>& out) {
  const std::size_t skip_slot = slot_of(skip);
#if PYGMY_HAVE_AVX2_KERNEL
  const std::size_t found =
      kernel_ == Kernel::avx2
          ? avx2_within_reach(spheres_, from, reach, skip_slot, found_.data())
          : scalar_within_reach(spheres_, from, reach, skip_slot, found_.data());
#else
  const std::size_t found = scalar_within_reach(spheres_, from, reach, skip_slot, found_.data());
#endif
  plane_found_.clear();
  for (const PlaneEntry& plane : planes_) {
    if (plane.object != skip && pygmy::within_reach(*plane.shape, from, reach)) {
      plane_found_.push_back(plane.object);
    }
  }
  merge_with_planes(found, plane_found_, out);
}

int PackedObjects::occluded(const Point3& from, double distance, const SampleBatch& batch,
                            std::span<const std::size_t> nearby) {
#if PYGMY_HAVE_AVX2_KERNEL
  if (kernel_ == Kernel::avx2) {
    return avx2_occluded(from, distance, batch, nearby, shapes_, tests_);
  }
#endif
  return scalar_occluded(from, distance, batch, nearby, shapes_, tests_);
}

}  // namespace pygmy
