// The tracer: PyGmy's visibility, lighting, reflection and ambient occlusion rules for one pixel.
// Private to the library: render.cpp turns its colours into bands of bytes, band_cost.cpp
// samples it to estimate what rows cost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "pygmy/maths.hpp"
#include "pygmy/random.hpp"
#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"

namespace pygmy {

// Traces the pixels of one scene. Made once per band: the only memory it allocates is scratch
// space made here, so nothing is allocated per ray. It counts the segment tests it makes.
//   Tracer tracer(scene);
//   Colour c = tracer.pixel(150, 100);
class Tracer {
 public:
  explicit Tracer(const Scene& scene);

  // The linear colour of pixel (x, y).
  //   Colour c = tracer.pixel(0, 0);
  //   std::uint8_t red = to_byte(c.r);
  [[nodiscard]] Colour pixel(int x, int y);

  // What the pixels traced so far took.
  //   RenderCounters done = tracer.counters();
  //   std::uint64_t tests = done.segment_tests;
  [[nodiscard]] const RenderCounters& counters() const { return counters_; }

 private:
  Colour primary(const Segment& ray);
  Colour shade_object(std::size_t index, const Hit& hit, const Segment& ray, int depth);
  Colour direct_light(std::size_t index, const Hit& hit);
  Colour reflected_light(std::size_t index, const Hit& hit, const Segment& ray, int depth);
  double ambient(std::size_t index, const Point3& position, const Occlusion& occlusion);
  bool blocked(const Segment& segment, std::size_t index);

  const Scene& scene_;
  RandomStream random_;
  std::vector<const Shape*> nearby_;
  RenderCounters counters_;
};

}  // namespace pygmy
