// Tests of the packed objects against shapes.hpp: every kernel answers each query as testing
// the objects one at a time in scene order does, on segments chosen to graze, start on and end on
// spheres, where any difference in rounding would change the answer.
#include "packed_objects.hpp"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace pygmy {
namespace {

std::vector<Kernel> supported_kernels() {
  std::vector<Kernel> kernels;
  for (const Kernel kernel : {Kernel::scalar, Kernel::avx2}) {
    if (kernel_supported(kernel)) {
      kernels.push_back(kernel);
    }
  }
  return kernels;
}

// Spheres that overlap and touch, with a plane or two among them; `count` objects.
std::vector<Object> crowd(std::mt19937_64& random, int count) {
  std::uniform_real_distribution<double> place(-4, 4);
  std::uniform_real_distribution<double> size(0.2, 2.5);
  std::vector<Object> objects;
  for (int i = 0; i < count; ++i) {
    if (i % 7 == 3) {
      objects.push_back(Object{Plane{Vec3{place(random), 1, place(random)}, place(random)}, 0});
    } else {
      objects.push_back(Object{
          Sphere{Point3{place(random), place(random), 20 + place(random)}, size(random)}, 0});
    }
  }
  return objects;
}

Vec3 random_unit(std::mt19937_64& random) {
  std::normal_distribution<double> normal;
  return normalised(Vec3{normal(random), normal(random), normal(random)});
}

// A segment that grazes, starts on, or ends on one of the spheres, to within a few ulps.
Segment close_call(std::mt19937_64& random, const std::vector<Object>& objects) {
  std::uniform_int_distribution<std::size_t> pick(0, objects.size() - 1);
  std::uniform_real_distribution<double> length(0.5, 30);
  std::uniform_real_distribution<double> nudge(-4e-16, 4e-16);
  std::uniform_int_distribution<int> kind(0, 2);
  const Object& object = objects[pick(random)];
  const Sphere* sphere = std::get_if<Sphere>(&object.shape);
  if (sphere == nullptr) {
    return Segment{Point3{0, 0, 0}, random_unit(random) * 50.0};
  }
  const Vec3 along = random_unit(random);
  const Vec3 side = normalised(glm::cross(along, random_unit(random)));
  const Point3 surface = sphere->centre + side * (sphere->radius * (1 + nudge(random)));
  switch (kind(random)) {
    case 0:  // tangent: the discriminant is about zero
      return Segment{surface - along * length(random), surface + along * length(random)};
    case 1:  // starting on the surface: the near root is about zero
      return Segment{surface, surface + random_unit(random) * length(random)};
    default:  // ending on the surface: the near root is about one
      return Segment{surface - random_unit(random) * length(random), surface};
  }
}

TEST(PackedObjectsTest, EveryKernelFindsTheHitsThatTestingOneObjectAtATimeFinds) {
  std::mt19937_64 random(5);
  for (const Kernel kernel : supported_kernels()) {
    for (int scene = 0; scene < 20; ++scene) {
      const std::vector<Object> objects = crowd(random, 1 + scene * 3);
      PackedObjects packed(objects, kernel);
      std::vector<std::size_t> found;
      for (int i = 0; i < 2000; ++i) {
        const Segment segment = close_call(random, objects);
        const std::size_t skip = i % 3 == 0 ? PackedObjects::kNone : i % objects.size();
        std::vector<std::size_t> expected;
        for (std::size_t k = 0; k < objects.size(); ++k) {
          if (k != skip && intersect(objects[k].shape, segment)) {
            expected.push_back(k);
          }
        }
        packed.hits(segment, skip, found);
        ASSERT_EQ(found, expected) << kernel_name(kernel) << ", scene " << scene << ", " << i;
      }
    }
  }
}

TEST(PackedObjectsTest, EveryKernelBlocksAndCountsAsTestingInSceneOrderDoes) {
  std::mt19937_64 random(6);
  for (const Kernel kernel : supported_kernels()) {
    for (int scene = 0; scene < 20; ++scene) {
      const std::vector<Object> objects = crowd(random, 1 + scene * 3);
      PackedObjects packed(objects, kernel);
      std::uint64_t expected_tests = 0;
      for (int i = 0; i < 2000; ++i) {
        const Segment segment = close_call(random, objects);
        const std::size_t skip = i % objects.size();
        bool expected = false;
        for (std::size_t k = 0; k < objects.size() && !expected; ++k) {
          if (k != skip) {
            ++expected_tests;
            expected = hits(objects[k].shape, segment);
          }
        }
        ASSERT_EQ(packed.blocked(segment, skip), expected)
            << kernel_name(kernel) << ", scene " << scene << ", " << i;
        ASSERT_EQ(packed.tests(), expected_tests);
      }
    }
  }
}

TEST(PackedObjectsTest, EveryKernelFindsTheObjectsWithinReachThatTestingEachFinds) {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> reach(0, 4);
  for (const Kernel kernel : supported_kernels()) {
    for (int scene = 0; scene < 20; ++scene) {
      const std::vector<Object> objects = crowd(random, 1 + scene * 3);
      PackedObjects packed(objects, kernel);
      std::vector<std::size_t> found;
      for (int i = 0; i < 500; ++i) {
        const Point3 from = close_call(random, objects).start;
        const double distance = reach(random);
        const std::size_t skip = i % objects.size();
        std::vector<std::size_t> expected;
        for (std::size_t k = 0; k < objects.size(); ++k) {
          if (k != skip && within_reach(objects[k].shape, from, distance)) {
            expected.push_back(k);
          }
        }
        packed.within_reach(from, distance, skip, found);
        ASSERT_EQ(found, expected) << kernel_name(kernel) << ", scene " << scene << ", " << i;
      }
    }
  }
}

TEST(PackedObjectsTest, EveryKernelCountsTheOcclusionSamplesThatTestingEachSampleBlocks) {
  std::mt19937_64 random(9);
  std::uniform_int_distribution<int> component(-100, 99);
  std::uniform_int_distribution<int> tiny(-1, 1);
  std::uniform_int_distribution<int> samples(1, 40);
  std::uniform_real_distribution<double> reach(0.5, 4);
  for (const Kernel kernel : supported_kernels()) {
    for (int scene = 0; scene < 20; ++scene) {
      const std::vector<Object> objects = crowd(random, 1 + scene * 3);
      PackedObjects packed(objects, kernel);
      std::vector<std::size_t> nearby;
      std::uint64_t expected_tests = 0;
      for (int i = 0; i < 200; ++i) {
        const Point3 from = close_call(random, objects).start;
        const double distance = reach(random);
        const std::size_t skip = i % objects.size();
        packed.within_reach(from, distance, skip, nearby);
        // Batches as the tracer makes them, with some zero and some tiny directions.
        int expected = 0;
        int found = 0;
        SampleBatch batch;
        const int count = samples(random);
        for (int k = 0; k < count; ++k) {
          const bool small = k % 5 == 0;
          const int x = small ? tiny(random) : component(random);
          const int y = small ? tiny(random) : component(random);
          const int z = small ? tiny(random) : component(random);
          batch.add(x, y, z);
          const Segment sample{from, from + normalised(Vec3{x, y, z}) * distance};
          for (const std::size_t object : nearby) {
            ++expected_tests;
            if (hits(objects[object].shape, sample)) {
              ++expected;
              break;
            }
          }
          if (batch.full() || k + 1 == count) {
            found += packed.occluded(from, distance, batch, nearby);
            batch.count = 0;
          }
        }
        ASSERT_EQ(found, expected) << kernel_name(kernel) << ", scene " << scene << ", " << i;
        ASSERT_EQ(packed.tests(), expected_tests);
      }
    }
  }
}

TEST(PackedObjectsTest, EveryKernelDecidesExactTouchesAsShapesDo) {
  // Segments that start, end or graze exactly on a surface, where t is exactly 0 or 1 or the
  // discriminant exactly zero: the strict and inclusive comparisons decide them.
  const std::vector<Object> objects{Object{Sphere{Point3{0, 0, 10}, 2}, 0},
                                    Object{Sphere{Point3{5, 0, 10}, 1}, 0},
                                    Object{Plane{Vec3{0, 1, 0}, 7}, 0}};
  const std::vector<Segment> segments{
      {Point3{0, 0, 8}, Point3{0, 0, 20}},  {Point3{0, 0, 0}, Point3{0, 0, 8}},
      {Point3{2, 0, 0}, Point3{2, 0, 20}},  {Point3{0, 0, 12}, Point3{0, 0, 0}},
      {Point3{0, 0, 0}, Point3{0, -7, 0}},  {Point3{0, -7, 0}, Point3{0, 3, 0}},
      {Point3{4, 0, 10}, Point3{4, 0, 20}}, {Point3{6, 0, 10}, Point3{-6, 0, 10}}};
  for (const Kernel kernel : supported_kernels()) {
    PackedObjects packed(objects, kernel);
    std::vector<std::size_t> found;
    std::vector<std::size_t> nearby{0, 1, 2};
    for (const Segment& segment : segments) {
      std::vector<std::size_t> expected;
      for (std::size_t k = 0; k < objects.size(); ++k) {
        if (intersect(objects[k].shape, segment)) {
          expected.push_back(k);
        }
      }
      packed.hits(segment, PackedObjects::kNone, found);
      EXPECT_EQ(found, expected) << kernel_name(kernel);
      EXPECT_EQ(packed.blocked(segment, PackedObjects::kNone), !expected.empty());
      // The same segment as an occlusion sample of its own length along a whole direction.
      const Vec3 along = segment.vector();
      const double length = std::sqrt(glm::dot(along, along));
      if (along.x == std::trunc(along.x) && along.y == std::trunc(along.y) &&
          along.z == std::trunc(along.z)) {
        SampleBatch batch;
        batch.add(static_cast<int>(along.x), static_cast<int>(along.y), static_cast<int>(along.z));
        const Segment sample{segment.start, segment.start + normalised(along) * length};
        int blocked = 0;
        for (const Object& object : objects) {
          if (hits(object.shape, sample)) {
            blocked = 1;
            break;
          }
        }
        EXPECT_EQ(packed.occluded(segment.start, length, batch, nearby), blocked)
            << kernel_name(kernel);
      }
    }
  }
}

TEST(PackedObjectsTest, HitsCountOneTestForEveryObjectButTheSkippedOne) {
  std::mt19937_64 random(8);
  const std::vector<Object> objects = crowd(random, 10);
  PackedObjects packed(objects, best_kernel());
  std::vector<std::size_t> found;
  packed.hits(Segment{Point3{0, 0, 0}, Point3{0, 0, 100}}, PackedObjects::kNone, found);
  EXPECT_EQ(packed.tests(), 10U);
  packed.hits(Segment{Point3{0, 0, 0}, Point3{0, 0, 100}}, 4, found);
  EXPECT_EQ(packed.tests(), 19U);
}

}  // namespace
}  // namespace pygmy
