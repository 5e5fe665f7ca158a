// The scene's shapes laid out for the tracer's innermost loops: spheres as a structure of arrays
// that a SIMD kernel tests several at a time, planes one by one. Every query answers exactly what
// testing the objects one by one, in scene order, with shapes.hpp answers, and counts the tests
// that way too, whichever kernel runs it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "pygmy/maths.hpp"
#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"

namespace pygmy {

// The terms of PyGmy's sphere test that depend only on the segment, worked out once for all the
// spheres it meets, with the same operations as Sphere::parameter() so they round the same.
//   SegmentTerms terms(ray);
//   double a4 = terms.four_a;  // 4·dot(d, d)
struct SegmentTerms {
  explicit SegmentTerms(const Segment& segment);

  Point3 start;          // s
  Vec3 vector;           // d = end − start
  double start_squared;  // dot(s, s)
  double four_a;         // 4·dot(d, d)
  double two_a;          // 2·dot(d, d)
};

// The spheres of a scene as a structure of arrays, in scene order, padded to a whole number of
// kLanes with spheres of NaN that no segment hits and that are never within reach.
//   SphereLanes lanes(scene.objects);
//   std::size_t slots = lanes.slots();  // a multiple of kLanes
struct SphereLanes {
  static constexpr std::size_t kLanes = 4;

  explicit SphereLanes(const std::vector<Object>& objects);

  [[nodiscard]] std::size_t slots() const { return x.size(); }

  std::vector<double> x, y, z;         // centre
  std::vector<double> radius;          // r
  std::vector<double> centre_squared;  // dot(centre, centre)
  std::vector<double> radius_squared;  // r·r
  std::vector<std::size_t> object;     // index in Scene::objects of each real sphere
};

// Ambient occlusion samples: directions with integer components, as drawn, in draw order.
//   SampleBatch batch;
//   batch.add(random.uniform_int(-100, 99), random.uniform_int(-100, 99), random.uniform_int(-100,
//   99));
struct SampleBatch {
  static constexpr std::size_t kMostSamples = 16;

  void add(int x, int y, int z) {
    this->x[count] = x;
    this->y[count] = y;
    this->z[count] = z;
    ++count;
  }
  [[nodiscard]] bool full() const { return count == kMostSamples; }

  std::array<double, kMostSamples> x{}, y{}, z{};
  std::size_t count = 0;
};

// The scene's objects, queried the way the tracer needs: which objects a segment hits, whether
// any blocks it, which are within reach of a point. `skip` is the object a segment leaves, which
// it never hits (or kNone). Made once per band; it allocates nothing per query.
//   PackedObjects objects(scene.objects, best_kernel());
//   bool dark = objects.blocked(shadow_segment(light, hit.position), index);
class PackedObjects {
 public:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  // Throws std::invalid_argument for a kernel this CPU cannot run.
  PackedObjects(const std::vector<Object>& objects, Kernel kernel);

  // Into `out`, ascending: the objects but `skip` that intersect(shape, segment) hits.
  //   objects.hits(ray, PackedObjects::kNone, hit_list);
  void hits(const Segment& segment, std::size_t skip, std::vector<std::size_t>& out);

  // Whether any object but `skip` lies on the segment. Counts the tests made in scene order up
  // to the first object that does.
  //   bool dark = objects.blocked(shadow, index);
  [[nodiscard]] bool blocked(const Segment& segment, std::size_t skip);

  // Into `out`, ascending: the objects but `skip` that within_reach(shape, from, reach) keeps.
  // Not segment tests, so not counted.
  //   objects.within_reach(hit.position, 2.5, index, nearby);
  void within_reach(const Point3& from, double reach, std::size_t skip,
                    std::vector<std::size_t>& out);

  // How many samples of `batch` some object of `nearby` blocks, each sample being the segment
  // from `from` to from + normalised(direction)·distance. Counts the tests of trying the objects
  // of `nearby` in order for each sample until one blocks it.
  //   int blocked = objects.occluded(hit.position, 2.5, batch, nearby);
  [[nodiscard]] int occluded(const Point3& from, double distance, const SampleBatch& batch,
                             std::span<const std::size_t> nearby);

  // Segment tests made so far, as testing one object at a time in scene order makes them.
  //   std::uint64_t done = objects.tests();
  [[nodiscard]] std::uint64_t tests() const { return tests_; }

 private:
  // Index in Scene::objects and shape of a plane.
  struct PlaneEntry {
    std::size_t object;
    const Shape* shape;
  };

  [[nodiscard]] std::size_t slot_of(std::size_t object) const;
  void merge_with_planes(std::size_t found, const std::vector<std::size_t>& plane_objects,
                         std::vector<std::size_t>& out) const;

  Kernel kernel_;
  std::size_t objects_;
  std::vector<const Shape*> shapes_;  // each object's shape
  SphereLanes spheres_;
  std::vector<PlaneEntry> planes_;
  std::vector<std::size_t> sphere_slot_;  // each object's slot in spheres_, or kNone
  std::vector<std::uint32_t> found_;      // scratch: slots a kernel found
  std::vector<std::size_t> plane_found_;  // scratch: planes found
  std::uint64_t tests_ = 0;
};

}  // namespace pygmy
