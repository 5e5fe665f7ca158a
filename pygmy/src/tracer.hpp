// The tracer: PyGmy's visibility, lighting, reflection and ambient occlusion rules for one pixel.
// Private to the library: render.cpp turns its colours into bands of bytes, band_cost.cpp
// samples it to estimate what rows cost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "packed_objects.hpp"
#include "pygmy/maths.hpp"
#include "pygmy/random.hpp"
#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"

namespace pygmy {

// Traces the pixels of one scene. Made once per band: it allocates its scratch lists here, so
// nothing is allocated per ray. It counts the pixels and segment tests it makes.
//   Tracer tracer(scene, best_kernel());
//   Colour c = tracer.pixel(150, 100);
class Tracer {
 public:
  // Throws std::invalid_argument for an object whose shader the scene lacks, or a kernel this
  // CPU cannot run.
  Tracer(const Scene& scene, Kernel kernel);

  // The linear colour of pixel (x, y).
  //   Colour c = tracer.pixel(0, 0);
  //   std::uint8_t red = to_byte(c.r);
  [[nodiscard]] Colour pixel(int x, int y);

  // What the pixels traced so far took.
  //   RenderCounters done = tracer.counters();
  //   std::uint64_t tests = done.segment_tests;
  [[nodiscard]] RenderCounters counters() const;

 private:
  Colour primary(const Segment& ray);
  Colour shade_object(std::size_t index, const Hit& hit, const Segment& ray, int depth);
  Colour direct_light(std::size_t index, const Hit& hit);
  Colour reflected_light(std::size_t index, const Hit& hit, const Segment& ray, int depth);
  double ambient(std::size_t index, const Point3& position, const Occlusion& occlusion);

  const Scene& scene_;
  PackedObjects objects_;
  RandomStream random_;
  // The objects a segment hits, one list per reflection depth, since shading a reflected hit
  // reflects again before its caller is done with its own list; the primary segment uses
  // list 0, which no reflection does.
  std::vector<std::vector<std::size_t>> hit_lists_;
  std::vector<std::size_t> nearby_;
  std::uint64_t pixels_ = 0;
  std::uint64_t segments_ = 0;
};

}  // namespace pygmy
