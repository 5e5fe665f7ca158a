// The tracer: PyGmy's visibility, lighting, reflection and ambient occlusion rules.
#include "tracer.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>

namespace pygmy {

Tracer::Tracer(const Scene& scene, Kernel kernel)
    : scene_(scene),
      objects_(scene.objects, kernel),
      random_(scene.seed, 0, 0),
      hit_lists_(static_cast<std::size_t>(std::max(scene.trace_depth, 0)) + 1) {
  for (const Object& object : scene.objects) {
    if (object.shader >= scene.shaders.size()) {
      throw std::invalid_argument("an object refers to shader " + std::to_string(object.shader) +
                                  " but the scene has " + std::to_string(scene.shaders.size()));
    }
  }
  for (std::vector<std::size_t>& list : hit_lists_) {
    list.reserve(scene.objects.size());
  }
  nearby_.reserve(scene.objects.size());
}

Colour Tracer::pixel(int x, int y) {
  random_ = RandomStream(scene_.seed, x, y);
  ++pixels_;
  ++segments_;
  return primary(scene_.camera.ray(x, y, scene_.width, scene_.height));
}

RenderCounters Tracer::counters() const {
  return RenderCounters{
      .pixels = pixels_, .segments = segments_, .segment_tests = objects_.tests()};
}

// PyGmy shades every object that is nearer than all earlier ones and keeps the last colour;
// shading only the nearest gives the same colour without the wasted work.
Colour Tracer::primary(const Segment& ray) {
  std::vector<std::size_t>& hit_objects = hit_lists_[0];
  objects_.hits(ray, PackedObjects::kNone, hit_objects);
  double depth = scene_.camera.back_plane;
  std::optional<Hit> nearest;
  std::size_t nearest_index = 0;
  for (const std::size_t i : hit_objects) {
    std::optional<Hit> hit = intersect(scene_.objects[i].shape, ray);
    if (hit && hit->position.z < depth && hit->position.z > 0) {
      depth = hit->position.z;
      nearest = hit;
      nearest_index = i;
    }
  }
  if (!nearest) {
    return Colour{0, 0, 0};
  }
  return shade_object(nearest_index, *nearest, ray, scene_.trace_depth);
}

Colour Tracer::shade_object(std::size_t index, const Hit& hit, const Segment& ray, int depth) {
  const Shader& shader = scene_.shaders[scene_.objects[index].shader];
  ShadingTerms terms;
  terms.position = hit.position;
  terms.direct = direct_light(index, hit);
  terms.reflected = reflected_light(index, hit, ray, depth);
  // Drawn after the reflections, as PyGmy draws its random numbers.
  terms.ambient = ambient(index, hit.position, occlusion_of(shader));
  return shade(shader, terms);
}

// Objects never shadow themselves.
Colour Tracer::direct_light(std::size_t index, const Hit& hit) {
  Colour total{0, 0, 0};
  segments_ += scene_.lights.size();
  for (const Light& light : scene_.lights) {
    if (!objects_.blocked(shadow_segment(light, hit.position), index)) {
      total += unshadowed_light(light, hit.position, hit.normal);
    }
  }
  return total;
}

// Sums every other object the mirrored segment hits, nearest or not, in scene order, as PyGmy
// does.
Colour Tracer::reflected_light(std::size_t index, const Hit& hit, const Segment& ray, int depth) {
  Colour total{0, 0, 0};
  if (depth <= 0) {
    return total;
  }
  ++segments_;
  const Segment mirrored{hit.position, hit.position + reflected(ray.vector(), hit.normal)};
  std::vector<std::size_t>& hit_objects = hit_lists_[static_cast<std::size_t>(depth)];
  objects_.hits(mirrored, index, hit_objects);
  for (const std::size_t i : hit_objects) {
    if (std::optional<Hit> other = intersect(scene_.objects[i].shape, mirrored)) {
      total += shade_object(i, *other, mirrored, depth - 1);
    }
  }
  return total;
}

// 1 − the fraction of short random segments from `position` that another object blocks.
double Tracer::ambient(std::size_t index, const Point3& position, const Occlusion& occlusion) {
  if (occlusion.samples <= 0) {
    return 1.0;
  }
  // Only objects within reach can block a sample; finding them once makes each sample cheap.
  objects_.within_reach(position, occlusion.distance, index, nearby_);
  if (nearby_.empty()) {
    // Nothing can block a sample, so the answer is known; skipping the draws keeps every
    // later draw of this pixel where it would have been.
    random_.skip(3 * static_cast<std::uint64_t>(occlusion.samples));
    return 1.0;
  }
  // Every draw is made whatever the samples hit, so drawing a batch before testing it keeps the
  // draws in PyGmy's order.
  segments_ += static_cast<std::uint64_t>(occlusion.samples);
  double occluded = 0.0;
  SampleBatch batch;
  for (int i = 0; i < occlusion.samples; ++i) {
    const int x = random_.uniform_int(-100, 99);
    const int y = random_.uniform_int(-100, 99);
    const int z = random_.uniform_int(-100, 99);
    batch.add(x, y, z);
    if (batch.full() || i + 1 == occlusion.samples) {
      occluded += objects_.occluded(position, occlusion.distance, batch, nearby_);
      batch.count = 0;
    }
  }
  return 1 - occluded / occlusion.samples;
}

}  // namespace pygmy
