// Bands of pixels: the tracer's colours as bytes, row by row, and the rules bands follow.
#include "pygmy/render.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "tracer.hpp"

namespace pygmy {
namespace {

// Rejects bands outside the image (the tracer rejects objects whose shader does not exist).
void check_band(const Scene& scene, int y0, int y1) {
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
  Tracer tracer(scene, best_kernel());
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

RenderCounters render_band_into(const Scene& scene, int y0, int y1, std::span<std::uint8_t> out,
                                Kernel kernel) {
  check_band(scene, y0, y1);
  const std::size_t expected =
      static_cast<std::size_t>(y1 - y0) * static_cast<std::size_t>(scene.width) * 3;
  if (out.size() != expected) {
    throw std::invalid_argument("rows [" + std::to_string(y0) + ", " + std::to_string(y1) +
                                ") need " + std::to_string(expected) + " bytes, got " +
                                std::to_string(out.size()));
  }
  Tracer tracer(scene, kernel);
  std::size_t at = 0;
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < scene.width; ++x) {
      const Colour colour = tracer.pixel(x, y);
      out[at++] = to_byte(colour.r);
      out[at++] = to_byte(colour.g);
      out[at++] = to_byte(colour.b);
    }
  }
  return tracer.counters();
}

void render_band_into(const Scene& scene, int y0, int y1, std::span<std::uint8_t> out) {
  render_band_into(scene, y0, y1, out, best_kernel());
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
