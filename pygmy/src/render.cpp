// The tracer: PyGmy's visibility, lighting, reflection and ambient occlusion rules.
#include "pygmy/render.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

#include "pygmy/random.hpp"

namespace pygmy {
namespace {

// Traces the pixels of one scene. Made once per band: the only memory it allocates is the
// scratch list of nearby objects, so nothing is allocated per ray.
class Tracer {
 public:
  explicit Tracer(const Scene& scene) : scene_(scene), random_(scene.seed, 0, 0) {
    nearby_.reserve(scene.objects.size());
  }

  // The linear colour of pixel (x, y).
  Colour pixel(int x, int y) {
    random_ = RandomStream(scene_.seed, x, y);
    return primary(scene_.camera.ray(x, y, scene_.width, scene_.height));
  }

 private:
  // PyGmy shades every object that is nearer than all earlier ones and keeps the last colour;
  // shading only the nearest gives the same colour without the wasted work.
  Colour primary(const Segment& ray) {
    double depth = scene_.camera.back_plane;
    std::optional<Hit> nearest;
    std::size_t nearest_index = 0;
    for (std::size_t i = 0; i < scene_.objects.size(); ++i) {
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

  Colour shade_object(std::size_t index, const Hit& hit, const Segment& ray, int depth) {
    const Shader& shader = scene_.shaders[scene_.objects[index].shader];
    ShadingTerms terms;
    terms.position = hit.position;
    terms.direct = direct_light(index, hit);
    terms.reflected = reflected_light(index, hit, ray, depth);
    // Drawn after the reflections, as PyGmy draws its random numbers.
    terms.ambient = ambient(index, hit.position, occlusion_of(shader));
    return shade(shader, terms);
  }

  Colour direct_light(std::size_t index, const Hit& hit) const {
    Colour total{0, 0, 0};
    for (const Light& light : scene_.lights) {
      if (!blocked(shadow_segment(light, hit.position), index)) {
        total += unshadowed_light(light, hit.position, hit.normal);
      }
    }
    return total;
  }

  // Sums every other object the mirrored segment hits, nearest or not, as PyGmy does.
  Colour reflected_light(std::size_t index, const Hit& hit, const Segment& ray, int depth) {
    Colour total{0, 0, 0};
    if (depth <= 0) {
      return total;
    }
    const Segment mirrored{hit.position, hit.position + reflected(ray.vector(), hit.normal)};
    for (std::size_t i = 0; i < scene_.objects.size(); ++i) {
      if (i == index) {
        continue;
      }
      if (std::optional<Hit> other = intersect(scene_.objects[i].shape, mirrored)) {
        total += shade_object(i, *other, mirrored, depth - 1);
      }
    }
    return total;
  }

  // 1 − the fraction of short random segments from `position` that another object blocks.
  double ambient(std::size_t index, const Point3& position, const Occlusion& occlusion) {
    if (occlusion.samples <= 0) {
      return 1.0;
    }
    // Only objects within reach can block a sample; finding them once makes each sample cheap.
    nearby_.clear();
    for (std::size_t i = 0; i < scene_.objects.size(); ++i) {
      if (i != index && within_reach(scene_.objects[i].shape, position, occlusion.distance)) {
        nearby_.push_back(&scene_.objects[i].shape);
      }
    }
    if (nearby_.empty()) {
      // Nothing can block a sample, so the answer is known; skipping the draws keeps every
      // later draw of this pixel where it would have been.
      random_.skip(3 * static_cast<std::uint64_t>(occlusion.samples));
      return 1.0;
    }
    double occluded = 0.0;
    for (int i = 0; i < occlusion.samples; ++i) {
      const int x = random_.uniform_int(-100, 99);
      const int y = random_.uniform_int(-100, 99);
      const int z = random_.uniform_int(-100, 99);
      const Segment sample{position, position + normalised(Vec3{x, y, z}) * occlusion.distance};
      for (const Shape* shape : nearby_) {
        if (hits(*shape, sample)) {
          occluded += 1;
          break;
        }
      }
    }
    return 1 - occluded / occlusion.samples;
  }

  // Whether any object but `index` lies on the segment: objects never shadow themselves.
  bool blocked(const Segment& segment, std::size_t index) const {
    for (std::size_t i = 0; i < scene_.objects.size(); ++i) {
      if (i != index && hits(scene_.objects[i].shape, segment)) {
        return true;
      }
    }
    return false;
  }

  const Scene& scene_;
  RandomStream random_;
  std::vector<const Shape*> nearby_;
};

// Rejects bands outside the image and objects whose shader does not exist, before any pixel.
void check_band(const Scene& scene, int y0, int y1) {
  for (const Object& object : scene.objects) {
    if (object.shader >= scene.shaders.size()) {
      throw std::invalid_argument("an object refers to shader " + std::to_string(object.shader) +
                                  " but the scene has " + std::to_string(scene.shaders.size()));
    }
  }
  if (y0 < 0 || y0 > y1 || y1 > scene.height) {
    throw std::invalid_argument("band [" + std::to_string(y0) + ", " + std::to_string(y1) +
                                ") is outside an image of height " + std::to_string(scene.height));
  }
}

}  // namespace

std::vector<Band> split_rows(int height, int band_rows) {
  if (height < 1 || band_rows < 1) {
    throw std::invalid_argument("cannot split " + std::to_string(height) + " rows into bands of " +
                                std::to_string(band_rows) + " rows");
  }
  std::vector<Band> bands;
  bands.reserve(static_cast<std::size_t>((height + band_rows - 1) / band_rows));
  for (int y0 = 0; y0 < height; y0 += band_rows) {
    bands.push_back(Band{y0, y0 + std::min(band_rows, height - y0)});
  }
  return bands;
}

Colour trace_pixel(const Scene& scene, int x, int y) {
  Tracer tracer(scene);
  return tracer.pixel(x, y);
}

std::uint64_t worst_case_pixel_tests(const Scene& scene) {
  constexpr std::uint64_t kMost = std::numeric_limits<std::uint64_t>::max();
  const auto plus = [](std::uint64_t a, std::uint64_t b) { return a > kMost - b ? kMost : a + b; };
  const auto times = [](std::uint64_t a, std::uint64_t b) {
    return b != 0 && a > kMost / b ? kMost : a * b;
  };
  const std::uint64_t objects = scene.objects.size();
  if (objects == 0) {
    return 0;
  }
  int samples = 0;
  for (const Object& object : scene.objects) {
    if (object.shader < scene.shaders.size()) {
      samples = std::max(samples, occlusion_of(scene.shaders[object.shader]).samples);
    }
  }
  const std::uint64_t per_shading = times(
      objects, plus(scene.lights.size(), static_cast<std::uint64_t>(std::max(samples, 0)) + 2));
  // Shadings: one at the primary hit, then up to (N − 1)^k at reflection level k.
  std::uint64_t shadings = 1;
  std::uint64_t at_level = 1;
  for (int level = 1; level <= scene.trace_depth; ++level) {
    at_level = times(at_level, objects - 1);
    shadings = plus(shadings, at_level);
  }
  return plus(objects, times(per_shading, shadings));
}

std::uint8_t to_byte(double channel) {
  const double scaled = channel * 255;
  if (!(scaled > 0)) {
    return 0;
  }
  if (scaled >= 255) {
    return 255;
  }
  return static_cast<std::uint8_t>(scaled);
}

void render_band_into(const Scene& scene, int y0, int y1, std::span<std::uint8_t> out) {
  check_band(scene, y0, y1);
  const std::size_t expected =
      static_cast<std::size_t>(y1 - y0) * static_cast<std::size_t>(scene.width) * 3;
  if (out.size() != expected) {
    throw std::invalid_argument("rows [" + std::to_string(y0) + ", " + std::to_string(y1) +
                                ") need " + std::to_string(expected) + " bytes, got " +
                                std::to_string(out.size()));
  }
  Tracer tracer(scene);
  std::size_t at = 0;
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < scene.width; ++x) {
      const Colour colour = tracer.pixel(x, y);
      out[at++] = to_byte(colour.r);
      out[at++] = to_byte(colour.g);
      out[at++] = to_byte(colour.b);
    }
  }
}

std::vector<std::uint8_t> render_band(const Scene& scene, int y0, int y1) {
  check_band(scene, y0, y1);
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(y1 - y0) *
                                   static_cast<std::size_t>(scene.width) * 3);
  render_band_into(scene, y0, y1, pixels);
  return pixels;
}

Image render_sequential(const Scene& scene) {
  Image image(scene.width, scene.height);
  render_band_into(scene, 0, scene.height, image.rows(0, scene.height));
  return image;
}

}  // namespace pygmy
