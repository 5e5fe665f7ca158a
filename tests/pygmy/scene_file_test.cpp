// Tests of scene file parsing: the bundled scenes, and one test per kind of bad scene.
#include "pygmy/scene_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace pygmy {
namespace {

const std::filesystem::path kScenesDir = PYGMY_SCENES_DIR;

// The example of DESIGN.md §3.1.
const std::string kExample = R"({
  "image":   {"width": 300, "height": 200},
  "camera":  {"type": "perspective", "image_plane": 5.0, "back_plane": 2000.0},
  "trace_depth": 2, "seed": 1,
  "shaders": {"ball":  {"type": "everything", "reflect": 0.5,
                        "occlusion": {"samples": 10, "distance": 2.5}},
              "floor": {"type": "spot", "reflect": 0.5, "threshold": 0.5,
                        "occlusion": {"samples": 10, "distance": 2.5}}},
  "objects": [{"type": "sphere", "centre": [0, -5, 67], "radius": 2, "shader": "ball"},
              {"type": "plane", "normal": [0, 1, 0], "distance": 7, "shader": "floor"}],
  "lights":  [{"type": "parallel", "direction": [1, 1, -1], "colour": [0.3, 0.9, 0.1]},
              {"type": "point", "position": [5, 100, -5], "colour": [0.5, 0.5, 1]}] })";

// kExample with its first `from` replaced by `to`.
std::string example_with(const std::string& from, const std::string& to) {
  std::string text = kExample;
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

// The message of the SceneError that parsing `text` as test.json throws.
std::string error_of(const std::string& text) {
  try {
    static_cast<void>(parse_scene(text, "test.json"));
  } catch (const SceneError& error) {
    return error.what();
  }
  return "no error";
}

// The message of the SceneError that loading `file` throws.
std::string load_error_of(const std::filesystem::path& file) {
  try {
    static_cast<void>(load_scene(file));
  } catch (const SceneError& error) {
    return error.what();
  }
  return "no error";
}

// A scratch path for this test, unique to this run of the binary.
std::filesystem::path scratch_path(const std::string& name) {
  return std::filesystem::path(::testing::TempDir()) /
         (name + "_" + std::to_string(::getpid()) + ".json");
}

// Writes `bytes` spaces into the FIFO at `path` once a reader opens it (giving up after 20 s
// without one), stopping early when the reader leaves. The reader leaving raises SIGPIPE for
// this thread: blocked here, it is taken back before the thread ends.
void feed_fifo(const std::filesystem::path& path, std::size_t bytes) {
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
  int fd = -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (fd < 0 && std::chrono::steady_clock::now() < deadline) {
    fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);  // ENXIO until a reader opens
    if (fd < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  if (fd < 0) {
    return;
  }
  ::fcntl(fd, F_SETFL, 0);
  const std::string chunk(1 << 16, ' ');
  std::size_t written = 0;
  while (written < bytes) {
    const ssize_t n = ::write(fd, chunk.data(), chunk.size());
    if (n < 0 && errno != EINTR) {
      break;
    }
    written += n < 0 ? 0 : static_cast<std::size_t>(n);
  }
  ::close(fd);
  const timespec now{};
  static_cast<void>(sigtimedwait(&pipe_signal, nullptr, &now));
}

TEST(SceneFileTest, ParsesTheDesignExample) {
  const Scene scene = parse_scene(kExample, "scenes/example.json");
  EXPECT_EQ(scene.name, "example");
  EXPECT_EQ(scene.width, 300);
  EXPECT_EQ(scene.height, 200);
  EXPECT_EQ(scene.seed, 1U);
  ASSERT_EQ(scene.objects.size(), 2U);
  EXPECT_EQ(std::get<Sphere>(scene.objects[0].shape), (Sphere{Point3{0, -5, 67}, 2}));
  EXPECT_EQ(
      scene.shaders[scene.objects[1].shader],
      (Shader{"floor", SpotShader{.reflect = 0.5, .threshold = 0.5, .occlusion = {10, 2.5}}}));
  EXPECT_EQ(std::get<PointLight>(scene.lights[1]).position, (Point3{5, 100, -5}));
}

TEST(SceneFileTest, PygmyJsonDescribesTheBuiltinScene) {
  Scene scene = load_scene(kScenesDir / "pygmy.json");
  EXPECT_EQ(scene.name, "pygmy");
  scene.name = builtin_scene().name;
  EXPECT_EQ(scene, builtin_scene());
}

TEST(SceneFileTest, EveryBundledSceneParses) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kScenesDir)) {
    if (entry.path().extension() == ".json") {
      EXPECT_NO_THROW(static_cast<void>(load_scene(entry.path()))) << entry.path();
      ++count;
    }
  }
  EXPECT_GE(count, 3);
}

TEST(SceneFileTest, OrthographicCameraAndSeedsUpTo64BitsAreAccepted) {
  const Scene scene = parse_scene(example_with(R"("seed": 1)", R"("seed": 18446744073709551615)")
                                      .replace(kExample.find("perspective"), 11, "orthographic"),
                                  "test.json");
  EXPECT_EQ(scene.seed, 18446744073709551615ULL);
  EXPECT_EQ(scene.camera.projection, Camera::Projection::orthographic);
}

TEST(SceneFileTest, MissingFileIsNamedInTheError) {
  try {
    static_cast<void>(load_scene("/nonexistent/dir/scene.json"));
    FAIL() << "no error";
  } catch (const SceneError& error) {
    EXPECT_EQ(std::string(error.what()).rfind("/nonexistent/dir/scene.json:1:1: ", 0), 0U)
        << error.what();
  }
}

TEST(SceneFileTest, ADirectoryIsNamedAsNotASceneFile) {
  try {
    static_cast<void>(load_scene(kScenesDir));
    FAIL() << "no error";
  } catch (const SceneError& error) {
    EXPECT_EQ(std::string(error.what()),
              kScenesDir.string() + ":1:1: expected a scene file, got a directory");
  }
}

TEST(SceneFileTest, ADeviceThatNeverEndsIsReadOnlyUpToTheSizeLimit) {
  EXPECT_EQ(load_error_of("/dev/zero"),
            "/dev/zero:1:1: expected a scene file of at most 16 MiB (16777216 bytes), got more");
}

TEST(SceneFileTest, AFifoIsReadOnlyUpToTheSizeLimit) {
  const std::filesystem::path fifo = scratch_path("scene_fifo");
  std::filesystem::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer(feed_fifo, fifo, kMaxSceneFileBytes + (1 << 20));
  const std::string message = load_error_of(fifo);
  writer.join();
  std::filesystem::remove(fifo);
  EXPECT_EQ(
      message,
      fifo.string() + ":1:1: expected a scene file of at most 16 MiB (16777216 bytes), got more");
}

TEST(SceneFileTest, AHugeRegularFileIsRefusedBeforeItIsRead) {
  // A sparse terabyte: reading it would take hours and all the memory there is.
  const std::filesystem::path huge = scratch_path("scene_huge");
  std::ofstream(huge).close();
  std::error_code error;
  std::filesystem::resize_file(huge, std::uintmax_t{1} << 40, error);
  if (error) {
    std::filesystem::remove(huge);
    GTEST_SKIP() << "no sparse file of a terabyte here: " << error.message();
  }
  const std::string message = load_error_of(huge);
  std::filesystem::remove(huge);
  EXPECT_EQ(message, huge.string() +
                         ":1:1: expected a scene file of at most 16 MiB (16777216 "
                         "bytes), got 1099511627776 bytes");
}

TEST(SceneFileTest, SceneTextOverTheSizeLimitIsRefusedUnparsed) {
  EXPECT_EQ(error_of(std::string(kMaxSceneFileBytes + 1, ' ')),
            "test.json:1:1: expected a scene file of at most 16 MiB (16777216 bytes), got "
            "16777217 bytes");
  // At the limit, the text is parsed (and found to hold no JSON).
  EXPECT_EQ(error_of(std::string(kMaxSceneFileBytes, ' ')).rfind("test.json:1:16777217: ", 0), 0U);
}

TEST(SceneFileTest, MalformedJsonIsReportedByLineAndColumn) {
  const std::string message = error_of("{\n  \"image\": {\"width\": 300,,\n}");
  EXPECT_EQ(message.rfind("test.json:2:26: expected valid JSON (", 0), 0U) << message;
}

TEST(SceneFileTest, TruncatedJsonIsReportedAtTheEnd) {
  const std::string message = error_of("{\"image\": ");
  EXPECT_EQ(message.rfind("test.json:1:11: expected valid JSON (", 0), 0U) << message;
}

TEST(SceneFileTest, UnknownTopLevelKeyIsAnError) {
  EXPECT_EQ(error_of(example_with(R"("seed": 1,)", R"("seed": 1, "colour": 3,)")),
            "test.json:/colour: unknown key \"colour\"; expected one of image, camera, "
            "trace_depth, seed, shaders, objects, lights");
}

TEST(SceneFileTest, UnknownKeyInAnObjectIsAnError) {
  EXPECT_EQ(error_of(example_with(R"("radius": 2,)", R"("radius": 2, "radios": 3,)")),
            "test.json:/objects/0/radios: unknown key \"radios\"; expected one of type, centre, "
            "radius, shader");
}

TEST(SceneFileTest, DuplicateKeyInAnObjectIsAnErrorEvenWhenTheLastValueIsValid) {
  EXPECT_EQ(error_of(example_with(R"("radius": 2,)", R"("radius": -1, "radius": 4,)")),
            "test.json:/objects/0/radius: duplicate key \"radius\"; expected each key once");
}

TEST(SceneFileTest, DuplicateKeyIsNamedByItsPointerAtAnyDepth) {
  EXPECT_EQ(error_of(example_with(R"("seed": 1,)", R"("seed": 1, "seed": 1,)")),
            "test.json:/seed: duplicate key \"seed\"; expected each key once");
  EXPECT_EQ(error_of(example_with(R"("colour": [0.5, 0.5, 1])",
                                  R"("colour": [0.5, 0.5, 1], "type": "point")")),
            "test.json:/lights/1/type: duplicate key \"type\"; expected each key once");
  EXPECT_EQ(error_of(example_with(R"("distance": 7)", R"("distance": 7, "distance": 7)")),
            "test.json:/objects/1/distance: duplicate key \"distance\"; expected each key once");
  EXPECT_EQ(error_of(example_with(R"("samples": 10,)", R"("samples": 10, "samples": 10,)")),
            "test.json:/shaders/ball/occlusion/samples: duplicate key \"samples\"; expected each "
            "key once");
}

TEST(SceneFileTest, TheSameKeyInDifferentObjectsIsNoDuplicate) {
  // Every object and light has "type"; only a repeat within one object counts.
  EXPECT_NO_THROW(static_cast<void>(parse_scene(kExample, "test.json")));
  EXPECT_NO_THROW(static_cast<void>(parse_scene(
      example_with(R"("objects": [)", R"("objects": [{"type": "sphere", "centre": [0, 0, 9], )"
                                      R"("radius": 1, "shader": "ball"}, )"),
      "test.json")));
}

TEST(SceneFileTest, AnArrayOfAMillionObjectsIsReadToItsEnd) {
  // Each object used to make the parser rescan the whole array, so a million took minutes: far
  // past the test's timeout. Read once, they take a fraction of a second.
  std::string objects;
  objects.reserve(3'000'000);
  for (int i = 0; i < 1'000'000; ++i) {
    objects += i == 0 ? "{}" : ", {}";
  }
  const std::string text = example_with(R"("objects": [)", R"("objects": [)" + objects + ", ");
  // The whole document is parsed before any of it is read as a scene.
  EXPECT_EQ(error_of(text), "test.json:/objects/0/type: missing; expected \"sphere\" or \"plane\"");
}

TEST(SceneFileTest, NestingDeeperThan32IsAnErrorAtTheFirstValueTooDeep) {
  // A scene nests 4 deep; a file of nothing but '[' would otherwise hold one level per byte.
  std::string pointer = "/image";  // the top-level object is level 1, this array level 2
  for (int level = 3; level <= 33; ++level) {
    pointer += "/0";
  }
  EXPECT_EQ(error_of(example_with(
                R"("image":   {"width": 300, "height": 200})",
                R"("image": )" + std::string(1000, '[') + "1" + std::string(1000, ']'))),
            "test.json:" + pointer + ": expected at most 32 nested arrays and objects");
}

TEST(SceneFileTest, MissingFieldIsAnError) {
  EXPECT_EQ(error_of(example_with(R"("radius": 2, )", "")),
            "test.json:/objects/0/radius: missing; expected a positive number");
}

TEST(SceneFileTest, NegativeRadiusIsAnError) {
  EXPECT_EQ(error_of(example_with(R"("radius": 2)", R"("radius": -2)")),
            "test.json:/objects/0/radius: expected a positive number, got -2");
}

TEST(SceneFileTest, ZeroRadiusIsAnError) {
  EXPECT_EQ(error_of(example_with(R"("radius": 2)", R"("radius": 0)")),
            "test.json:/objects/0/radius: expected a positive number, got 0");
}

TEST(SceneFileTest, ZeroImageWidthIsAnError) {
  EXPECT_EQ(error_of(example_with(R"("width": 300)", R"("width": 0)")),
            "test.json:/image/width: expected an integer from 1 to 65536, got 0");
}

TEST(SceneFileTest, NegativeImageHeightIsAnError) {
  EXPECT_EQ(error_of(example_with(R"("height": 200)", R"("height": -200)")),
            "test.json:/image/height: expected an integer from 1 to 65536, got -200");
}

TEST(SceneFileTest, FractionalImageWidthIsAnError) {
  EXPECT_EQ(error_of(example_with(R"("width": 300)", R"("width": 300.5)")),
            "test.json:/image/width: expected an integer from 1 to 65536, got 300.5");
}

TEST(SceneFileTest, UnknownShaderNameIsAnError) {
  EXPECT_EQ(error_of(example_with(R"("shader": "ball")", R"("shader": "glass")")),
            "test.json:/objects/0/shader: unknown shader \"glass\"; expected one of ball, floor");
}

TEST(SceneFileTest, UnknownShaderAmongManyNamesTheFirstTenAndCountsTheRest) {
  std::string shaders;
  for (int i = 0; i < 12; ++i) {
    shaders += R"("s)" + std::to_string(10 + i) + R"(": {"type": "everything", "reflect": 0.5, )" +
               R"("occlusion": {"samples": 10, "distance": 2.5}}, )";
  }
  std::string text = example_with(R"("shaders": {)", R"("shaders": {)" + shaders);
  const std::string ball = R"("shader": "ball")";
  text.replace(text.find(ball), ball.size(), R"("shader": "glass")");
  EXPECT_EQ(error_of(text),
            "test.json:/objects/0/shader: unknown shader \"glass\"; expected one of ball, floor, "
            "s10, s11, s12, s13, s14, s15, s16, s17 (and 4 more)");
}

TEST(SceneFileTest, WrongTypeIsAnError) {
  EXPECT_EQ(error_of(example_with(R"("radius": 2)", R"("radius": "2")")),
            "test.json:/objects/0/radius: expected a positive number, got \"2\"");
}

TEST(SceneFileTest, NonArrayObjectsIsAnError) {
  std::string text = kExample;
  const std::size_t objects = text.find(R"("objects")");
  const std::size_t lights = text.find(R"("lights")");
  text.replace(objects, lights - objects, R"("objects": {"a": 1}, )");
  EXPECT_EQ(error_of(text), "test.json:/objects: expected an array of objects, got an object");
}

TEST(SceneFileTest, UnknownObjectTypeIsAnError) {
  EXPECT_EQ(error_of(example_with(R"("type": "sphere")", R"("type": "cube")")),
            "test.json:/objects/0/type: unknown object type \"cube\"; expected \"sphere\" or "
            "\"plane\"");
}

TEST(SceneFileTest, UnknownLightTypeIsAnError) {
  EXPECT_EQ(error_of(example_with(R"("type": "point")", R"("type": "spot")")),
            "test.json:/lights/1/type: unknown light type \"spot\"; expected \"parallel\" or "
            "\"point\"");
}

TEST(SceneFileTest, UnknownShaderTypeIsAnError) {
  EXPECT_EQ(error_of(example_with(R"("type": "everything")", R"("type": "glossy")")),
            "test.json:/shaders/ball/type: unknown shader type \"glossy\"; expected "
            "\"everything\" or \"spot\"");
}

TEST(SceneFileTest, UnknownCameraTypeIsAnError) {
  EXPECT_EQ(error_of(example_with(R"("type": "perspective")", R"("type": "fisheye")")),
            "test.json:/camera/type: unknown camera type \"fisheye\"; expected \"perspective\" or "
            "\"orthographic\"");
}

TEST(SceneFileTest, WrongArrayLengthIsAnError) {
  EXPECT_EQ(error_of(example_with("[0, -5, 67]", "[0, -5]")),
            "test.json:/objects/0/centre: expected the centre [x, y, z] (an array of 3 numbers), "
            "got an array of 2");
}

TEST(SceneFileTest, NonNumberInAVectorIsAnError) {
  EXPECT_EQ(error_of(example_with("[0.3, 0.9, 0.1]", "[0.3, null, 0.1]")),
            "test.json:/lights/0/colour/1: expected a number, got null");
}

TEST(SceneFileTest, ZeroPlaneNormalIsAnError) {
  EXPECT_EQ(error_of(example_with("[0, 1, 0]", "[0, 0, 0]")),
            "test.json:/objects/1/normal: expected the normal [x, y, z] of non-zero length, got "
            "[0, 0, 0]");
}

TEST(SceneFileTest, NegativeOcclusionSamplesIsAnError) {
  EXPECT_EQ(error_of(example_with(R"("samples": 10)", R"("samples": -1)")),
            "test.json:/shaders/ball/occlusion/samples: expected an integer from 0 to 10000, got "
            "-1");
}

TEST(SceneFileTest, ReflectOutsideZeroToOneIsAnError) {
  EXPECT_EQ(error_of(example_with(R"("reflect": 0.5)", R"("reflect": 1.5)")),
            "test.json:/shaders/ball/reflect: expected a number from 0 to 1, got 1.5");
}

TEST(SceneFileTest, NegativeSeedIsAnError) {
  EXPECT_EQ(error_of(example_with(R"("seed": 1)", R"("seed": -1)")),
            "test.json:/seed: expected a non-negative integer, got -1");
}

TEST(SceneFileTest, ANumberBeyondTheRangeOfADoubleIsAnErrorAtItsPointer) {
  EXPECT_EQ(error_of(example_with(R"("radius": 2)", R"("radius": 1e999)")),
            "test.json:/objects/0/radius: expected a number within the range of a double, got "
            "1e999");
  EXPECT_EQ(error_of(example_with("[0.3, 0.9, 0.1]", "[0.3, -1e999, 0.1]")),
            "test.json:/lights/0/colour/1: expected a number within the range of a double, got "
            "-1e999");
  EXPECT_EQ(error_of(example_with(R"("seed": 1)", R"("seed": 1)" + std::string(400, '0'))),
            "test.json:/seed: expected a number within the range of a double, got "
            "1000000000000000000000000000000000000...");
  // Anywhere: in a value no scene has, and as the whole document.
  EXPECT_EQ(error_of(example_with(R"("seed": 1,)", R"("seed": 1, "colour": [[2e308]],)")),
            "test.json:/colour/0/0: expected a number within the range of a double, got 2e308");
  EXPECT_EQ(error_of("1e999"),
            "test.json:/: expected a number within the range of a double, got "
            "1e999");
}

TEST(SceneFileTest, NumbersOfMagnitudeAbove1e15AreErrors) {
  // Beyond 1e15 the tracer's squares and sums overflow to infinity, and infinities make NaN:
  // a sphere of radius 1e300 would vanish, two opposite lights of 1e308 would sum to NaN.
  EXPECT_EQ(error_of(example_with(R"("radius": 2)", R"("radius": 1e300)")),
            "test.json:/objects/0/radius: expected a positive number of magnitude at most 1e15, "
            "got 1e+300");
  EXPECT_EQ(error_of(example_with("[0.3, 0.9, 0.1]", "[1e308, 0.9, 0.1]")),
            "test.json:/lights/0/colour/0: expected a number of magnitude at most 1e15, got "
            "1e+308");
  EXPECT_EQ(error_of(example_with(R"("distance": 7)", R"("distance": -18446744073709551615)")),
            "test.json:/objects/1/distance: expected a number of magnitude at most 1e15, got "
            "-1.8446744073709552e+19");
  EXPECT_EQ(
      error_of(example_with(R"("back_plane": 2000.0)", R"("back_plane": 1.000000000000001e15)")),
      "test.json:/camera/back_plane: expected a positive number of magnitude at most 1e15, "
      "got 1.000000000000001e+15");
  EXPECT_NO_THROW(static_cast<void>(
      parse_scene(example_with(R"("back_plane": 2000.0)", R"("back_plane": 1e15)"), "test.json")));
}

TEST(SceneFileTest, ALightDirectionTooShortToNormaliseIsAnError) {
  // Its squared length underflows to zero, so it would stay as it is instead of becoming unit.
  EXPECT_EQ(error_of(example_with("[1, 1, -1]", "[1e-200, 0, 0]")),
            "test.json:/lights/0/direction: expected the direction [x, y, z] towards the light of "
            "a length that can be normalised, got [1e-200, 0, 0]");
  const Scene scene = parse_scene(example_with("[1, 1, -1]", "[1e-150, 0, 0]"), "test.json");
  EXPECT_DOUBLE_EQ(std::get<ParallelLight>(scene.lights[0]).direction().x, 1.0);
}

TEST(SceneFileTest, IntegersOutOfRangeOrWithFractionsAreErrorsAtTheirPointer) {
  EXPECT_EQ(error_of(example_with(R"("width": 300)", R"("width": 65537)")),
            "test.json:/image/width: expected an integer from 1 to 65536, got 65537");
  EXPECT_EQ(error_of(example_with(R"("width": 300)", R"("width": 18446744073709551616)")),
            "test.json:/image/width: expected an integer from 1 to 65536, got "
            "1.8446744073709552e+19");
  EXPECT_EQ(error_of(example_with(R"("trace_depth": 2)", R"("trace_depth": 9223372036854775808)")),
            "test.json:/trace_depth: expected an integer from 0 to 16, got 9223372036854775808");
  EXPECT_EQ(error_of(example_with(R"("trace_depth": 2)", R"("trace_depth": -9223372036854775809)")),
            "test.json:/trace_depth: expected an integer from 0 to 16, got "
            "-9.223372036854776e+18");
  EXPECT_EQ(error_of(example_with(R"("samples": 10)", R"("samples": 1e1)")),
            "test.json:/shaders/ball/occlusion/samples: expected an integer from 0 to 10000, got "
            "10.0");
  EXPECT_EQ(error_of(example_with(R"("seed": 1)", R"("seed": 1.5)")),
            "test.json:/seed: expected a non-negative integer, got 1.5");
  EXPECT_EQ(error_of(example_with(R"("seed": 1)", R"("seed": 18446744073709551616)")),
            "test.json:/seed: expected a non-negative integer, got 1.8446744073709552e+19");
  EXPECT_EQ(error_of(example_with(R"("seed": 1)", R"("seed": -9223372036854775808)")),
            "test.json:/seed: expected a non-negative integer, got -9223372036854775808");
}

TEST(SceneFileTest, MinusZeroIsZeroForAnUnsignedSeed) {
  EXPECT_EQ(parse_scene(example_with(R"("seed": 1)", R"("seed": -0)"), "test.json").seed, 0U);
}

// kExample with `planes` planes for objects, one behind the other, reflecting `depth` deep, and
// `samples` occlusion samples for them.
std::string mirrors(int planes, int depth, int samples = 10) {
  std::string objects;
  for (int i = 0; i < planes; ++i) {
    objects += std::string(i == 0 ? "" : ", ") + R"({"type": "plane", "normal": [0, 0, 1], )" +
               R"("distance": )" + std::to_string(-50 - i) + R"(, "shader": "ball"})";
  }
  std::string text =
      example_with(R"("trace_depth": 2)", R"("trace_depth": )" + std::to_string(depth));
  const std::size_t samples_at = text.find(R"("samples": 10,)");
  text.replace(samples_at, 14, R"("samples": )" + std::to_string(samples) + ",");
  const std::size_t from = text.find(R"("objects": [)");
  const std::size_t to = text.find(R"("lights")");
  return text.replace(from, to - from, R"("objects": [)" + objects + "],\n  ");
}

TEST(SceneFileTest, FifteenMirrorsFifteenDeepAreRefusedAtTraceDepth) {
  // Every reflection shades every other object it meets, so a pixel could take about 14^15
  // shadings: hours. Four levels stay within the budget of 2^24 intersection tests.
  EXPECT_EQ(error_of(mirrors(15, 15)),
            "test.json:/trace_depth: expected at most 4 for 15 objects, 2 lights and up to 10 "
            "occlusion samples, got 15 (deeper, a pixel could take more than 16777216 "
            "intersection tests)");
  EXPECT_EQ(error_of(mirrors(15, 5)),
            "test.json:/trace_depth: expected at most 4 for 15 objects, 2 lights and up to 10 "
            "occlusion samples, got 5 (deeper, a pixel could take more than 16777216 "
            "intersection tests)");
  EXPECT_EQ(parse_scene(mirrors(15, 4), "test.json").trace_depth, 4);
}

TEST(SceneFileTest, TooManyObjectsForAnAffordablePixelEvenWithoutReflectionsAreRefused) {
  // With 2 lights and 10,000 occlusion samples each object costs 10,005 tests a shading.
  EXPECT_EQ(error_of(mirrors(1677, 0, 10000)),
            "test.json:/objects: expected at most 16777216 intersection tests a pixel, got up to "
            "16778385 from 1677 objects with 2 lights and up to 10000 occlusion samples, even "
            "without reflections");
  EXPECT_EQ(parse_scene(mirrors(1676, 0, 10000), "test.json").objects.size(), 1676U);
}

TEST(SceneFileTest, ShaderKeysWithSlashesAreEscapedInThePointer) {
  EXPECT_EQ(error_of(example_with(R"("ball":  {"type": "everything")",
                                  R"("a/b~c":  {"type": "everything")")),
            "test.json:/objects/0/shader: unknown shader \"ball\"; expected one of a/b~c, floor");
  EXPECT_EQ(error_of(example_with(R"("ball":  {"type": "everything", "reflect": 0.5)",
                                  R"("a/b~c":  {"type": "everything", "reflect": 2)")),
            "test.json:/shaders/a~1b~0c/reflect: expected a number from 0 to 1, got 2");
}

TEST(SceneFileTest, ControlCharactersInAMessageAreEscaped) {
  // Unescaped, a name holding ESC would steer the terminal that shows the message.
  EXPECT_EQ(error_of(example_with(R"("shader": "ball")", R"("shader": "\u001b]0;title\u0007")")),
            "test.json:/objects/0/shader: unknown shader \"\\u001b]0;title\\u0007\"; expected one "
            "of ball, floor");
  EXPECT_EQ(error_of(example_with(R"("seed": 1,)", R"("seed": 1, "\u001b[2J\n": 0,)")),
            "test.json:/\\u001b[2J\\u000a: unknown key \"\\u001b[2J\\u000a\"; expected one of "
            "image, camera, trace_depth, seed, shaders, objects, lights");
}

TEST(SceneFileTest, LongNamesAreShortenedInAMessage) {
  const std::string name(1000, 'n');
  const std::string shown = std::string(77, 'n') + "...";
  EXPECT_EQ(error_of(example_with(R"("seed": 1,)", R"("seed": 1, ")" + name + R"(": 0,)")),
            "test.json:/" + shown + ": unknown key \"" + shown +
                "\"; expected one of image, camera, trace_depth, seed, shaders, objects, lights");
  // A cut never splits a character: é takes two bytes, and 77 bytes would end inside one.
  std::string escaped;  // 100 × é as the scene writes it
  std::string cut;      // 38 × é, what the message keeps
  for (int i = 0; i < 100; ++i) {
    escaped += "\\u00e9";
    cut += i < 38 ? "\xc3\xa9" : "";
  }
  EXPECT_EQ(error_of(example_with(R"("shader": "ball")", R"("shader": ")" + escaped + R"(")")),
            "test.json:/objects/0/shader: unknown shader \"" + cut +
                "...\"; expected one of ball, floor");
}

TEST(SceneFileTest, TopLevelMustBeAnObject) {
  EXPECT_EQ(error_of("[1, 2]"),
            "test.json:/: expected an object with image, camera, trace_depth, seed, shaders, "
            "objects, lights, got an array");
}

}  // namespace
}  // namespace pygmy
