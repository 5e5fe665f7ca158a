// Rendering as a pure function of (scene, band of rows): what every scheduler calls.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "pygmy/image.hpp"
#include "pygmy/maths.hpp"
#include "pygmy/scene.hpp"

namespace pygmy {

// Rows [y0, y1) of an image: a unit of work for a scheduler.
//   Band band{0, 16};
//   int rows = band.y1 - band.y0;
struct Band {
  int y0;
  int y1;

  friend bool operator==(const Band&, const Band&) = default;
};

// Splits rows [0, height) into consecutive bands of `band_rows` rows, the last possibly
// shorter. Throws std::invalid_argument unless height ≥ 1 and band_rows ≥ 1.
//   std::vector<Band> bands = split_rows(200, 64);  // [0,64) [64,128) [128,192) [192,200)
//   for (const Band& b : bands) { render_band(scene, b.y0, b.y1); }
[[nodiscard]] std::vector<Band> split_rows(int height, int band_rows);

// The linear colour PyGmy computes for pixel (x, y), before conversion to bytes.
//   Colour c = trace_pixel(scene, 150, 100);
//   std::uint8_t red = to_byte(c.r);
[[nodiscard]] Colour trace_pixel(const Scene& scene, int x, int y);

// The most intersection tests one pixel of `scene` can take, whatever its geometry. The primary
// segment tests every object; shading a hit tests, for each light, the other objects on its
// shadow segment, every object for occlusion reach, the other objects for each occlusion sample,
// and the other objects against the reflected segment; and each of them the reflection hits is
// shaded in turn, one level less deep, down to trace_depth. With N objects, L lights, S the most
// occlusion samples of any object's shader and D the trace depth, that is at most
//   N + N·(L + S + 2)·(1 + (N − 1) + (N − 1)² + … + (N − 1)^D),
// here saturated at the largest std::uint64_t.
//   std::uint64_t tests = worst_case_pixel_tests(builtin_scene());  // 22356
//   bool affordable = tests <= kMaxPixelTests;
[[nodiscard]] std::uint64_t worst_case_pixel_tests(const Scene& scene);

// The most intersection tests a pixel of a scene file may take in the worst case (2^24, about
// 16.8 million: a few tens of milliseconds of one core); load_scene() and parse_scene() refuse
// a scene whose worst_case_pixel_tests() exceed it.
//   bool affordable = worst_case_pixel_tests(scene) <= kMaxPixelTests;
inline constexpr std::uint64_t kMaxPixelTests = std::uint64_t{1} << 24;

// One colour channel as a byte: trunc(255·c) clamped to [0, 255] (no rounding; negative and
// NaN give 0), as PyGmy's image library stored it.
//   std::uint8_t half = to_byte(0.5);   // 127
//   std::uint8_t none = to_byte(-0.2);  // 0
[[nodiscard]] std::uint8_t to_byte(double channel);

// Pixels of rows [y0, y1) as RGB8, row-major, top row first. A pure function: the bytes are the
// same whichever process renders them and however the image is split. Throws
// std::invalid_argument unless 0 ≤ y0 ≤ y1 ≤ scene.height.
//   std::vector<std::uint8_t> rows = render_band(scene, 0, 10);
//   image.set_rows(0, rows);
[[nodiscard]] std::vector<std::uint8_t> render_band(const Scene& scene, int y0, int y1);

// render_band() writing into caller memory, which must be exactly (y1 − y0) × width × 3 bytes
// (else std::invalid_argument), e.g. a band of a framebuffer shared between processes.
//   render_band_into(scene, band.y0, band.y1, image.rows(band.y0, band.y1));
//   render_band_into(scene, 0, 1, std::span(buffer.data(), 3 * scene.width));
void render_band_into(const Scene& scene, int y0, int y1, std::span<std::uint8_t> out);

// What rendering took, for throughput figures such as segment tests per second. The counts
// are those of PyGmy's rules (every kernel makes the same), so they depend only on the scene and
// the pixels, not on the machine. Counters of several bands add up with +=.
//   RenderCounters total;
//   total += render_band_into(scene, 0, 10, rows, best_kernel());
struct RenderCounters {
  std::uint64_t pixels = 0;    // pixels traced
  std::uint64_t segments = 0;  // segments traced for them: primary, shadow, reflected, occlusion
  std::uint64_t segment_tests = 0;  // segment–object intersection tests made for those segments

  RenderCounters& operator+=(const RenderCounters& other) {
    pixels += other.pixels;
    segments += other.segments;
    segment_tests += other.segment_tests;
    return *this;
  }

  friend bool operator==(const RenderCounters&, const RenderCounters&) = default;
};

// How the tracer tests a segment against the scene's spheres. Every kernel gives the same
// bytes and the same counters; they differ only in speed.
//   Kernel fastest = best_kernel();
//   const char* name = kernel_name(Kernel::scalar);  // "scalar"
enum class Kernel {
  scalar,  // one sphere at a time
  avx2,    // four spheres at a time, on x86-64 CPUs with AVX2
};

// The fastest kernel this CPU runs: avx2 where it can, else scalar.
//   Kernel kernel = best_kernel();
//   RenderCounters done = render_band_into(scene, 0, 1, row, kernel);
[[nodiscard]] Kernel best_kernel();

// Whether this CPU (and this build) can run `kernel`.
//   bool ok = kernel_supported(Kernel::scalar);  // always true
[[nodiscard]] bool kernel_supported(Kernel kernel);

// The kernel's name as benchmarks and summaries print it: "scalar" or "avx2".
//   std::string name = kernel_name(best_kernel());
[[nodiscard]] const char* kernel_name(Kernel kernel);

// render_band_into() with a chosen kernel, returning what the band took. Throws
// std::invalid_argument as render_band_into() does, and for a kernel this CPU cannot run.
//   RenderCounters done = render_band_into(scene, 0, 10, rows, best_kernel());
//   double per_pixel = double(done.segment_tests) / double(done.pixels);
RenderCounters render_band_into(const Scene& scene, int y0, int y1, std::span<std::uint8_t> out,
                                Kernel kernel);

// The whole image, one row after another, in this process.
//   Image image = render_sequential(builtin_scene());
//   write_tiff("test.tif", image);
[[nodiscard]] Image render_sequential(const Scene& scene);

}  // namespace pygmy
