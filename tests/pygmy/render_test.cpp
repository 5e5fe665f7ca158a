// Tests of band rendering: exact agreement with the Python original, band independence, pixels.
#include "pygmy/render.hpp"

#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "pygmy/scene_file.hpp"

namespace pygmy {
namespace {

const std::string kDataDir = PYGMY_TEST_DATA_DIR;

// The scene with ambient occlusion switched off in every shader.
Scene without_occlusion(Scene scene) {
  for (Shader& shader : scene.shaders) {
    std::visit([](auto& kind) { kind.occlusion.samples = 0; }, shader.kind);
  }
  return scene;
}

// Reads a binary PPM (P6, maxval 255) as written by the reference script.
Image read_ppm(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot open " + file);
  }
  std::string magic;
  int width = 0;
  int height = 0;
  int maxval = 0;
  in >> magic >> width >> height >> maxval;
  in.get();
  if (magic != "P6" || maxval != 255) {
    throw std::runtime_error(file + " is not a binary 8-bit PPM");
  }
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(width) * height * 3);
  in.read(reinterpret_cast<char*>(pixels.data()), static_cast<std::streamsize>(pixels.size()));
  if (!in) {
    throw std::runtime_error(file + " is truncated");
  }
  return Image(width, height, std::move(pixels));
}

// Mean of each 10 × 10 block and channel, in the layout of pygmy_ao_python_blocks.txt.
std::vector<double> block_means(const Image& image) {
  std::vector<double> means;
  for (int by = 0; by < image.height() / 10; ++by) {
    for (int bx = 0; bx < image.width() / 10; ++bx) {
      for (int c = 0; c < 3; ++c) {
        double sum = 0;
        for (int y = by * 10; y < by * 10 + 10; ++y) {
          for (int x = bx * 10; x < bx * 10 + 10; ++x) {
            sum += image.row(y)[static_cast<std::size_t>(x * 3 + c)];
          }
        }
        means.push_back(sum / 100);
      }
    }
  }
  return means;
}

std::vector<double> read_blocks(const std::string& file) {
  std::ifstream in(file);
  std::vector<double> values;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    std::istringstream numbers(line);
    double value = 0;
    while (numbers >> value) {
      values.push_back(value);
    }
  }
  return values;
}

TEST(RenderTest, SplitRowsMakesEqualBandsAndAShorterLastOne) {
  EXPECT_EQ(split_rows(200, 64), (std::vector<Band>{{0, 64}, {64, 128}, {128, 192}, {192, 200}}));
  EXPECT_EQ(split_rows(6, 2), (std::vector<Band>{{0, 2}, {2, 4}, {4, 6}}));
}

TEST(RenderTest, SplitRowsWithBandsTallerThanTheImageGivesOneBand) {
  EXPECT_EQ(split_rows(5, 100), (std::vector<Band>{{0, 5}}));
}

TEST(RenderTest, SplitRowsRejectsEmptyImagesAndBands) {
  EXPECT_THROW(static_cast<void>(split_rows(0, 4)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(split_rows(10, 0)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(split_rows(10, -3)), std::invalid_argument);
}

TEST(RenderTest, ToByteTruncatesRatherThanRounds) {
  EXPECT_EQ(to_byte(0.5), 127);      // 127.5
  EXPECT_EQ(to_byte(0.999), 254);    // 254.745
  EXPECT_EQ(to_byte(1.0 / 255), 1);  // exactly 1
}

TEST(RenderTest, ToByteClampsToTheByteRange) {
  EXPECT_EQ(to_byte(-0.5), 0);
  EXPECT_EQ(to_byte(-1e300), 0);
  EXPECT_EQ(to_byte(1.0), 255);
  EXPECT_EQ(to_byte(7.5), 255);
  EXPECT_EQ(to_byte(std::numeric_limits<double>::quiet_NaN()), 0);
}

TEST(RenderTest, BuiltinSceneWithoutOcclusionMatchesThePythonOriginalExactly) {
  const Image reference = read_ppm(kDataDir + "/pygmy_no_ao_reference.ppm");
  const Image image = render_sequential(without_occlusion(builtin_scene()));
  ASSERT_EQ(image.width(), reference.width());
  ASSERT_EQ(image.height(), reference.height());
  int differing = 0;
  for (std::size_t i = 0; i < image.pixels().size(); ++i) {
    if (image.pixels()[i] != reference.pixels()[i] && ++differing <= 5) {
      ADD_FAILURE() << "pixel (" << (i / 3) % 300 << ", " << i / 900 << ") channel " << i % 3
                    << ": " << int{image.pixels()[i]} << ", Python " << int{reference.pixels()[i]};
    }
  }
  EXPECT_EQ(differing, 0);
}

TEST(RenderTest, BuiltinSceneWithOcclusionMatchesThePythonOriginalStatistically) {
  // Different random numbers give different noise, so compare 10 × 10 block means with those of
  // three Python renders. Between two Python renders the mean block difference is about 0.18
  // and the largest about 5; without occlusion they would be about 1.5 and 29.
  const std::vector<double> python = read_blocks(kDataDir + "/pygmy_ao_python_blocks.txt");
  const std::vector<double> ours = block_means(render_sequential(builtin_scene()));
  ASSERT_EQ(python.size(), ours.size());
  double total = 0;
  double largest = 0;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    const double difference = std::abs(ours[i] - python[i]);
    total += difference;
    largest = std::max(largest, difference);
  }
  EXPECT_LT(total / static_cast<double>(ours.size()), 0.3);
  EXPECT_LT(largest, 8.0);
}

TEST(RenderTest, RenderBandEqualsTheMatchingRowsOfAFullRender) {
  // Smaller than the built-in 300x200, so that five renders stay quick under a sanitizer on a
  // loaded machine; the property does not depend on the size.
  const Scene scene = with_size(builtin_scene(), 90, 60);
  const Image full = render_sequential(scene);
  for (const int band_rows : {1, 7, 32, scene.height}) {
    Image assembled{scene.width, scene.height};
    for (const Band& band : split_rows(scene.height, band_rows)) {
      assembled.set_rows(band.y0, render_band(scene, band.y0, band.y1));
    }
    EXPECT_EQ(assembled, full) << "bands of " << band_rows << " rows";
  }
}

TEST(RenderTest, RenderBandIntoWritesWhatRenderBandReturns) {
  const Scene scene = builtin_scene();
  std::vector<std::uint8_t> out(static_cast<std::size_t>(scene.width) * 3 * 5);
  render_band_into(scene, 100, 105, out);
  EXPECT_EQ(out, render_band(scene, 100, 105));
}

TEST(RenderTest, RenderingIsDeterministic) {
  const Scene scene = builtin_scene();
  EXPECT_EQ(render_sequential(scene), render_sequential(scene));
}

TEST(RenderTest, SeedChangesOnlyTheOcclusionNoise) {
  const Scene scene = builtin_scene();
  EXPECT_NE(render_sequential(scene), render_sequential(with_seed(scene, 2)));
  EXPECT_EQ(render_sequential(without_occlusion(scene)),
            render_sequential(without_occlusion(with_seed(scene, 2))));
}

TEST(RenderTest, EmptyBandGivesNoBytes) {
  EXPECT_TRUE(render_band(builtin_scene(), 10, 10).empty());
}

TEST(RenderTest, BandsOutsideTheImageAreRejected) {
  const Scene scene = builtin_scene();
  EXPECT_THROW(static_cast<void>(render_band(scene, -1, 3)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(render_band(scene, 5, 4)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(render_band(scene, 190, 201)), std::invalid_argument);
}

TEST(RenderTest, RenderBandIntoRejectsABufferOfTheWrongSize) {
  const Scene scene = builtin_scene();
  std::vector<std::uint8_t> out(static_cast<std::size_t>(scene.width) * 3 + 1);
  EXPECT_THROW(render_band_into(scene, 0, 1, out), std::invalid_argument);
}

TEST(RenderTest, ObjectWithAMissingShaderIsRejected) {
  Scene scene = builtin_scene();
  scene.objects[0].shader = 7;
  EXPECT_THROW(static_cast<void>(render_band(scene, 0, 1)), std::invalid_argument);
}

// A 2 × 2 scene of one plane z = depth, lit head-on by a parallel light of `light_colour`;
// pixel (1, 1) looks straight along +z.
Scene wall_scene(double depth, const Colour& light_colour) {
  Scene scene;
  scene.width = 2;
  scene.height = 2;
  scene.shaders = {Shader{"flat", EverythingShader{.reflect = 0, .occlusion = {0, 2.5}}}};
  scene.objects = {Object{Plane{Vec3{0, 0, 1}, -depth}, 0}};
  scene.lights = {ParallelLight{Vec3{0, 0, 1}, light_colour}};
  return scene;
}

TEST(RenderTest, ObjectsOnlyCountBetweenTheEyeAndTheBackPlane) {
  EXPECT_EQ(trace_pixel(wall_scene(1000, Colour{1, 1, 1}), 1, 1), (Colour{1, 1, 1}));
  EXPECT_EQ(trace_pixel(wall_scene(3000, Colour{1, 1, 1}), 1, 1), (Colour{0, 0, 0}));
  EXPECT_EQ(trace_pixel(wall_scene(0, Colour{1, 1, 1}), 1, 1), (Colour{0, 0, 0}));
}

TEST(RenderTest, NegativeLightSubtractsAndClampsToBlack) {
  const Scene scene = wall_scene(1000, Colour{-1, 0.2, 1});
  EXPECT_EQ(trace_pixel(scene, 1, 1), (Colour{-1, 0.2, 1}));
  const std::vector<std::uint8_t> row = render_band(scene, 1, 2);
  EXPECT_EQ(row[3], 0);
  EXPECT_EQ(row[4], 51);
  EXPECT_EQ(row[5], 255);
}

TEST(RenderTest, CountersCountEveryPixelAndMoreTestsThanObjectsWhereSurfacesAreShaded) {
  const Scene scene = with_size(builtin_scene(), 60, 40);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(scene.width) * 3 * 10);
  const RenderCounters done = render_band_into(scene, 28, 38, out, Kernel::scalar);
  EXPECT_EQ(done.pixels, 600U);
  EXPECT_GT(done.segment_tests, 600U * scene.objects.size());
  EXPECT_EQ(out, render_band(scene, 28, 38));
}

TEST(RenderTest, CountersOfBandsAddUpToThoseOfTheWholeImage) {
  const Scene scene = with_size(builtin_scene(), 60, 40);
  Image whole(scene.width, scene.height);
  const RenderCounters all =
      render_band_into(scene, 0, scene.height, whole.rows(0, scene.height), Kernel::scalar);
  RenderCounters total;
  Image assembled(scene.width, scene.height);
  for (const Band& band : split_rows(scene.height, 7)) {
    total +=
        render_band_into(scene, band.y0, band.y1, assembled.rows(band.y0, band.y1), Kernel::scalar);
  }
  EXPECT_EQ(total, all);
  EXPECT_EQ(assembled, whole);
}

TEST(RenderTest, CountersCountThePrimaryShadowAndReflectedSegmentsAndTheirTests) {
  // One pixel looking at the wall z = 1000, with a ball far off the segments: the primary
  // segment tests both objects, the shadow segment and the reflected one the ball only.
  Scene scene = wall_scene(1000, Colour{1, 1, 1});
  scene.width = 1;
  scene.height = 1;
  scene.objects.push_back(Object{Sphere{Point3{-500, -500, 10}, 1}, 0});
  std::vector<std::uint8_t> out(3);
  const RenderCounters one_light = render_band_into(scene, 0, 1, out, Kernel::scalar);
  EXPECT_EQ(one_light.segments, 3U);
  EXPECT_EQ(one_light.segment_tests, 2U + 1U + 1U);
  scene.lights.push_back(scene.lights[0]);
  const RenderCounters two_lights = render_band_into(scene, 0, 1, out, Kernel::scalar);
  EXPECT_EQ(two_lights.segments, 4U);
  EXPECT_EQ(two_lights.segment_tests, 2U + 2U + 1U);
}

TEST(RenderTest, AnEmptySceneTakesNoSegmentTests) {
  Scene scene = builtin_scene();
  scene.objects.clear();
  std::vector<std::uint8_t> out(static_cast<std::size_t>(scene.width) * 3);
  const RenderCounters done = render_band_into(scene, 0, 1, out, best_kernel());
  EXPECT_EQ(done.pixels, static_cast<std::uint64_t>(scene.width));
  EXPECT_EQ(done.segment_tests, 0U);
}

TEST(RenderTest, TheScalarKernelIsAlwaysSupported) {
  EXPECT_TRUE(kernel_supported(Kernel::scalar));
  EXPECT_TRUE(kernel_supported(best_kernel()));
  EXPECT_STREQ(kernel_name(Kernel::scalar), "scalar");
}

// Every kernel this CPU runs but the scalar one, which the others must match.
std::vector<Kernel> faster_kernels() {
  std::vector<Kernel> kernels;
  for (const Kernel kernel : {Kernel::avx2}) {
    if (kernel_supported(kernel)) {
      kernels.push_back(kernel);
    }
  }
  return kernels;
}

// The scene's pixels and counters with one kernel.
std::pair<std::vector<std::uint8_t>, RenderCounters> render_with(const Scene& scene,
                                                                 Kernel kernel) {
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(scene.width) * scene.height * 3);
  const RenderCounters counters = render_band_into(scene, 0, scene.height, pixels, kernel);
  return {std::move(pixels), counters};
}

TEST(RenderTest, EveryKernelRendersTheBundledScenesToTheSameBytesAndCounts) {
  if (faster_kernels().empty()) {
    GTEST_SKIP() << "this CPU runs only the scalar kernel";
  }
  std::vector<Scene> scenes{builtin_scene()};
  for (const char* file : {"pygmy.json", "showcase.json", "tiny.json"}) {
    scenes.push_back(load_scene(std::string(PYGMY_SCENES_DIR) + "/" + file));
  }
  for (const Scene& full_size : scenes) {
    const Scene scene = with_size(full_size, 96, 54);
    const auto reference = render_with(scene, Kernel::scalar);
    for (const Kernel kernel : faster_kernels()) {
      const auto fast = render_with(scene, kernel);
      EXPECT_EQ(fast.first, reference.first) << scene.name << " with " << kernel_name(kernel);
      EXPECT_EQ(fast.second, reference.second) << scene.name << " with " << kernel_name(kernel);
    }
  }
}

// A crowd of overlapping spheres with planes among them, lit by both kinds of light: the
// segments graze, start inside and end on spheres in every way.
Scene crowded_scene(std::mt19937_64& random) {
  std::uniform_real_distribution<double> across(-6, 6);
  std::uniform_real_distribution<double> deep(30, 60);
  std::uniform_real_distribution<double> size(0.3, 3);
  std::uniform_int_distribution<int> count(0, 37);
  Scene scene = builtin_scene();
  scene.width = 24;
  scene.height = 16;
  scene.seed = random();
  scene.objects.clear();
  const int spheres = count(random);
  for (int i = 0; i < spheres; ++i) {
    if (i % 9 == 4) {
      scene.objects.push_back(Object{Plane{Vec3{across(random), 1, across(random)}, 7}, 1});
    }
    scene.objects.push_back(
        Object{Sphere{Point3{across(random), across(random), deep(random)}, size(random)}, 0});
  }
  scene.lights.push_back(PointLight{Point3{across(random), 5, 45}, Colour{0.2, 0.3, 0.4}});
  return scene;
}

TEST(RenderTest, EveryKernelRendersCrowdedRandomScenesToTheSameBytesAndCounts) {
  if (faster_kernels().empty()) {
    GTEST_SKIP() << "this CPU runs only the scalar kernel";
  }
  std::mt19937_64 random(17);
  for (int i = 0; i < 40; ++i) {
    const Scene scene = crowded_scene(random);
    const auto reference = render_with(scene, Kernel::scalar);
    for (const Kernel kernel : faster_kernels()) {
      const auto fast = render_with(scene, kernel);
      EXPECT_EQ(fast.first, reference.first) << "scene " << i << " with " << kernel_name(kernel);
      EXPECT_EQ(fast.second, reference.second) << "scene " << i << " with " << kernel_name(kernel);
    }
  }
}

TEST(RenderTest, ACpuWithoutAKernelRefusesIt) {
  for (const Kernel kernel : {Kernel::scalar, Kernel::avx2}) {
    if (!kernel_supported(kernel)) {
      std::vector<std::uint8_t> out(static_cast<std::size_t>(builtin_scene().width) * 3);
      EXPECT_THROW(render_band_into(builtin_scene(), 0, 1, out, kernel), std::invalid_argument);
    }
  }
  EXPECT_STREQ(kernel_name(Kernel::avx2), "avx2");
}

TEST(RenderTest, WorstCasePixelTestsOfTheBuiltinSceneFollowTheFormula) {
  // 12 objects, 2 lights, 10 samples, depth 2: 12 + 12·(2 + 10 + 2)·(1 + 11 + 11²).
  EXPECT_EQ(worst_case_pixel_tests(builtin_scene()), 22356U);
  EXPECT_LE(worst_case_pixel_tests(builtin_scene()), kMaxPixelTests);
}

TEST(RenderTest, WorstCasePixelTestsGrowWithEachTerm) {
  Scene scene = builtin_scene();
  scene.trace_depth = 0;
  EXPECT_EQ(worst_case_pixel_tests(scene), 12U + 12U * 14U);
  scene.lights.push_back(scene.lights[0]);
  EXPECT_EQ(worst_case_pixel_tests(scene), 12U + 12U * 15U);
  std::get<EverythingShader>(scene.shaders[0].kind).occlusion.samples = 100;
  EXPECT_EQ(worst_case_pixel_tests(scene), 12U + 12U * 105U);
  scene.objects.clear();
  EXPECT_EQ(worst_case_pixel_tests(scene), 0U);
}

TEST(RenderTest, WorstCasePixelTestsSaturateInsteadOfOverflowing) {
  Scene scene = builtin_scene();
  scene.objects.resize(100000, scene.objects[0]);
  scene.trace_depth = 16;
  EXPECT_EQ(worst_case_pixel_tests(scene), std::numeric_limits<std::uint64_t>::max());
}

}  // namespace
}  // namespace pygmy
