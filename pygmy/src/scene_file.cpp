// JSON scene parsing: a strict reader that names the JSON pointer of everything it rejects.
#include "pygmy/scene_file.hpp"

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pygmy/render.hpp"

namespace pygmy {
namespace {

using Json = nlohmann::json;

// Reflections recurse into every object hit, so the cost grows quickly with depth.
constexpr int kMaxTraceDepth = 16;
constexpr int kMaxOcclusionSamples = 10000;
// The largest magnitude of any number in a scene. Doubles still tell apart positions an eighth of
// a unit apart there, and the squares and products of a bounce (up to about 1e90) stay far from
// overflowing into infinities, which would end as NaN: a sphere of radius 1e300 would vanish.
constexpr double kMaxMagnitude = 1e15;
// A scene nests four deep (/shaders/ball/occlusion/samples); the limit keeps a file of nothing but
// '[' from costing a level of bookkeeping per byte.
constexpr std::size_t kMaxNesting = 32;

// `text` cut to at most `limit` bytes for a message, never inside a UTF-8 character.
std::string shortened(std::string_view text, std::size_t limit = 40) {
  if (text.size() <= limit) {
    return std::string(text);
  }
  std::size_t cut = limit - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;  // a continuation byte: the character began before it
  }
  return std::string(text.substr(0, cut)) + "...";
}

// A name from the file (a key, a type, a shader) in quotes, shortened for a message.
std::string in_quotes(std::string_view name) {
  std::string quoted(1, '"');
  return quoted.append(shortened(name, 80)).append(1, '"');
}

// A JSON pointer token: '~' and '/' escaped as RFC 6901 says; a long key is shortened.
std::string pointer_token(std::string_view key) {
  std::string token;
  for (const char c : shortened(key, 80)) {
    if (c == '~') {
      token += "~0";
    } else if (c == '/') {
      token += "~1";
    } else {
      token += c;
    }
  }
  return token;
}

// A short rendering of a value for messages ("-2", "\"cube\"", "an object").
std::string describe(const Json& value) {
  if (value.is_object()) {
    return "an object";
  }
  if (value.is_array()) {
    return "an array";
  }
  return shortened(value.dump());
}

std::string join(std::initializer_list<std::string_view> words) {
  std::string text;
  for (const std::string_view word : words) {
    if (!text.empty()) {
      text += ", ";
    }
    text += word;
  }
  return text;
}

// Reads one parsed document, failing with the JSON pointer of the offending value.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& pointer, const std::string& expected) const {
    throw SceneError(source_, pointer.empty() ? "/" : pointer, expected);
  }

  // Checks `value` is an object whose keys are all in `allowed`.
  void object(const Json& value, const std::string& pointer,
              std::initializer_list<std::string_view> allowed) const {
    if (!value.is_object()) {
      fail(pointer, "expected an object with " + join(allowed) + ", got " + describe(value));
    }
    for (const auto& [key, member] : value.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        fail(pointer + "/" + pointer_token(key),
             "unknown key " + in_quotes(key) + "; expected one of " + join(allowed));
      }
    }
  }

  // The member `key` of an object already checked by object(); it must be present.
  const Json& member(const Json& value, const std::string& pointer, std::string_view key,
                     std::string_view what) const {
    const auto found = value.find(key);
    if (found == value.end()) {
      fail(pointer + "/" + pointer_token(key), "missing; expected " + std::string(what));
    }
    return *found;
  }

  double number(const Json& value, const std::string& pointer,
                std::string_view what = "a number") const {
    if (!value.is_number()) {
      fail(pointer, "expected " + std::string(what) + ", got " + describe(value));
    }
    const double x = value.get<double>();
    if (!(std::abs(x) <= kMaxMagnitude)) {
      fail(pointer,
           "expected " + std::string(what) + " of magnitude at most 1e15, got " + describe(value));
    }
    return x;
  }

  double positive(const Json& value, const std::string& pointer) const {
    const double x = number(value, pointer, "a positive number");
    if (!(x > 0)) {
      fail(pointer, "expected a positive number, got " + describe(value));
    }
    return x;
  }

  // An integer in [low, high]; 3.0 is not an integer here, "3" is not a number.
  std::int64_t integer(const Json& value, const std::string& pointer, std::int64_t low,
                       std::int64_t high) const {
    const std::string what =
        "an integer from " + std::to_string(low) + " to " + std::to_string(high);
    if (!value.is_number_integer()) {
      fail(pointer, "expected " + what + ", got " + describe(value));
    }
    const bool too_big = value.is_number_unsigned()
                             ? value.get<std::uint64_t>() > static_cast<std::uint64_t>(high)
                             : value.get<std::int64_t>() > high;
    if (too_big || value.get<std::int64_t>() < low) {
      fail(pointer, "expected " + what + ", got " + describe(value));
    }
    return value.get<std::int64_t>();
  }

  std::uint64_t unsigned_integer(const Json& value, const std::string& pointer) const {
    // nlohmann keeps "-0" as a signed integer, every other non-negative one as unsigned.
    if (value.is_number_integer() && value.get<std::int64_t>() == 0) {
      return 0;
    }
    if (!value.is_number_unsigned()) {
      fail(pointer, "expected a non-negative integer, got " + describe(value));
    }
    return value.get<std::uint64_t>();
  }

  std::string string(const Json& value, const std::string& pointer, std::string_view what) const {
    if (!value.is_string()) {
      fail(pointer, "expected " + std::string(what) + ", got " + describe(value));
    }
    return value.get<std::string>();
  }

  Vec3 vec3(const Json& value, const std::string& pointer, std::string_view what) const {
    if (!value.is_array() || value.size() != 3) {
      fail(pointer, "expected " + std::string(what) + " (an array of 3 numbers), got " +
                        (value.is_array() ? "an array of " + std::to_string(value.size())
                                          : describe(value)));
    }
    Vec3 v;
    for (int i = 0; i < 3; ++i) {
      v[i] = number(value[static_cast<std::size_t>(i)], pointer + "/" + std::to_string(i));
    }
    return v;
  }

  Vec3 nonzero_vec3(const Json& value, const std::string& pointer, std::string_view what) const {
    const Vec3 v = vec3(value, pointer, what);
    if (v == Vec3{0, 0, 0}) {
      fail(pointer, "expected " + std::string(what) + " of non-zero length, got [0, 0, 0]");
    }
    return v;
  }

 private:
  std::string source_;
};

// Builds the document from nlohmann's SAX events (its callback parser rescans an array after
// each object in it, which makes long arrays quadratic). On the way it rejects a key given twice
// in one object (left alone, the last one would quietly win, and a repeated key is as likely a
// mistake as an unknown one) and nesting no scene needs, naming each by its JSON pointer.
class DocumentBuilder {
 public:
  explicit DocumentBuilder(const Reader& reader) : reader_(reader) {}

  // The document, once nlohmann's sax_parse has returned true.
  [[nodiscard]] Json take() { return std::move(root_); }

  bool null() { return add(Json(nullptr)); }
  bool boolean(bool value) { return add(Json(value)); }
  bool number_integer(Json::number_integer_t value) { return add(Json(value)); }
  bool number_unsigned(Json::number_unsigned_t value) { return add(Json(value)); }
  bool number_float(Json::number_float_t value, const Json::string_t&) { return add(Json(value)); }
  bool string(Json::string_t& value) { return add(Json(std::move(value))); }
  bool binary(Json::binary_t& value) { return add(Json::binary(std::move(value))); }

  bool start_object(std::size_t) { return open(Json::object()); }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(Json::string_t& key) {
    Level& object = open_.back();
    object.key = std::move(key);
    if (object.value->contains(object.key)) {
      reader_.fail(pointer(),
                   "duplicate key " + in_quotes(object.key) + "; expected each key once");
    }
    return true;
  }

  // A number too large for a double is named by its pointer. Anything else is malformed JSON:
  // nlohmann's exception says what and where, and the caller words it.
  template <class Exception>
  bool parse_error(std::size_t, const std::string& token, const Exception& error) {
    if constexpr (std::is_same_v<Exception, Json::out_of_range>) {
      reader_.fail(pointer(),
                   "expected a number within the range of a double, got " + shortened(token));
    }
    throw error;
  }

 private:
  // An array or object the parser is inside, and the key of the member being read.
  struct Level {
    Json* value = nullptr;
    std::string key{};
  };

  // Puts `value` where the parser is: the document itself, the end of an array or the current
  // key of an object. Arrays only grow at their end, so a Json* into one stays valid while the
  // parser is inside that element.
  Json& place(Json value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return root_;
    }
    Level& level = open_.back();
    if (level.value->is_array()) {
      auto& array = level.value->get_ref<Json::array_t&>();
      array.push_back(std::move(value));
      return array.back();
    }
    return level.value->get_ref<Json::object_t&>()
        .emplace(level.key, std::move(value))
        .first->second;
  }

  bool add(Json value) {
    place(std::move(value));
    return true;
  }

  bool open(Json container) {
    if (open_.size() >= kMaxNesting) {
      reader_.fail(pointer(), "expected at most " + std::to_string(kMaxNesting) +
                                  " nested arrays and objects");
    }
    Json& placed = place(std::move(container));
    open_.push_back(Level{.value = &placed});
    return true;
  }

  bool close() {
    open_.pop_back();
    return true;
  }

  // The JSON pointer of the value being read, e.g. /objects/0/radius. Every enclosing array
  // already holds the element the parser is inside; the innermost one is about to get another.
  std::string pointer() const {
    std::string text;
    for (std::size_t i = 0; i < open_.size(); ++i) {
      const Level& level = open_[i];
      text += '/';
      if (level.value->is_object()) {
        text += pointer_token(level.key);
      } else {
        const std::size_t size = level.value->size();
        text += std::to_string(i + 1 < open_.size() ? size - 1 : size);
      }
    }
    return text;
  }

  const Reader& reader_;
  Json root_;
  std::vector<Level> open_;
};

void read_image(const Reader& r, const Json& json, Scene& scene) {
  const std::string at = "/image";
  r.object(json, at, {"width", "height"});
  scene.width = static_cast<int>(r.integer(r.member(json, at, "width", "the image width in pixels"),
                                           at + "/width", 1, kMaxImageSide));
  scene.height =
      static_cast<int>(r.integer(r.member(json, at, "height", "the image height in pixels"),
                                 at + "/height", 1, kMaxImageSide));
}

void read_camera(const Reader& r, const Json& json, Scene& scene) {
  const std::string at = "/camera";
  r.object(json, at, {"type", "image_plane", "back_plane"});
  const std::string type =
      r.string(r.member(json, at, "type", "\"perspective\" or \"orthographic\""), at + "/type",
               "\"perspective\" or \"orthographic\"");
  if (type == "perspective") {
    scene.camera.projection = Camera::Projection::perspective;
  } else if (type == "orthographic") {
    scene.camera.projection = Camera::Projection::orthographic;
  } else {
    r.fail(at + "/type", "unknown camera type " + in_quotes(type) +
                             "; expected \"perspective\" or \"orthographic\"");
  }
  scene.camera.image_plane =
      r.positive(r.member(json, at, "image_plane", "a positive number"), at + "/image_plane");
  scene.camera.back_plane =
      r.positive(r.member(json, at, "back_plane", "a positive number"), at + "/back_plane");
}

Occlusion read_occlusion(const Reader& r, const Json& json, const std::string& at) {
  r.object(json, at, {"samples", "distance"});
  Occlusion occlusion;
  occlusion.samples =
      static_cast<int>(r.integer(r.member(json, at, "samples", "the number of occlusion samples"),
                                 at + "/samples", 0, kMaxOcclusionSamples));
  occlusion.distance =
      r.positive(r.member(json, at, "distance", "a positive number"), at + "/distance");
  return occlusion;
}

Shader read_shader(const Reader& r, const Json& json, const std::string& at, std::string name) {
  if (!json.is_object()) {
    r.object(json, at, {"type"});
  }
  const std::string type = r.string(r.member(json, at, "type", "\"everything\" or \"spot\""),
                                    at + "/type", "\"everything\" or \"spot\"");
  auto reflect = [&] {
    const Json& member = r.member(json, at, "reflect", "a number from 0 to 1");
    if (!member.is_number() || !(member.get<double>() >= 0 && member.get<double>() <= 1)) {
      r.fail(at + "/reflect", "expected a number from 0 to 1, got " + describe(member));
    }
    return member.get<double>();
  };
  if (type == "everything") {
    r.object(json, at, {"type", "reflect", "occlusion"});
    EverythingShader shader;
    shader.reflect = reflect();
    shader.occlusion = read_occlusion(
        r, r.member(json, at, "occlusion", "an object with samples, distance"), at + "/occlusion");
    return Shader{std::move(name), shader};
  }
  if (type == "spot") {
    r.object(json, at, {"type", "reflect", "threshold", "occlusion"});
    SpotShader shader;
    shader.reflect = reflect();
    shader.threshold = r.number(r.member(json, at, "threshold", "a number"), at + "/threshold");
    shader.occlusion = read_occlusion(
        r, r.member(json, at, "occlusion", "an object with samples, distance"), at + "/occlusion");
    return Shader{std::move(name), shader};
  }
  r.fail(at + "/type",
         "unknown shader type " + in_quotes(type) + "; expected \"everything\" or \"spot\"");
}

void read_shaders(const Reader& r, const Json& json, Scene& scene) {
  const std::string at = "/shaders";
  if (!json.is_object() || json.empty()) {
    r.fail(at, "expected an object of named shaders, got " +
                   (json.is_object() ? std::string("an empty object") : describe(json)));
  }
  for (const auto& [name, shader] : json.items()) {
    scene.shaders.push_back(read_shader(r, shader, at + "/" + pointer_token(name), name));
  }
}

// Shader name → index in Scene::shaders, so that each object finds its shader without a search
// through them all.
using ShaderIndex = std::map<std::string, std::size_t, std::less<>>;

std::size_t shader_index(const Reader& r, const Json& json, const std::string& at,
                         const ShaderIndex& shaders) {
  const std::string name = r.string(r.member(json, at, "shader", "the name of a shader"),
                                    at + "/shader", "the name of a shader");
  const auto found = shaders.find(name);
  if (found != shaders.end()) {
    return found->second;
  }
  // The first few names: a message is no place for thousands.
  constexpr std::size_t kNamesShown = 10;
  std::string known;
  std::size_t shown = 0;
  for (auto it = shaders.begin(); it != shaders.end() && shown < kNamesShown; ++it, ++shown) {
    known += (known.empty() ? "" : ", ") + shortened(it->first, 80);
  }
  if (shaders.size() > kNamesShown) {
    known += " (and " + std::to_string(shaders.size() - kNamesShown) + " more)";
  }
  r.fail(at + "/shader", "unknown shader " + in_quotes(name) + "; expected one of " + known);
}

Object read_object(const Reader& r, const Json& json, const std::string& at,
                   const ShaderIndex& shaders) {
  if (!json.is_object()) {
    r.object(json, at, {"type"});
  }
  const std::string type = r.string(r.member(json, at, "type", "\"sphere\" or \"plane\""),
                                    at + "/type", "\"sphere\" or \"plane\"");
  if (type == "sphere") {
    r.object(json, at, {"type", "centre", "radius", "shader"});
    Sphere sphere;
    sphere.centre = r.vec3(r.member(json, at, "centre", "the centre [x, y, z]"), at + "/centre",
                           "the centre [x, y, z]");
    sphere.radius = r.positive(r.member(json, at, "radius", "a positive number"), at + "/radius");
    return Object{sphere, shader_index(r, json, at, shaders)};
  }
  if (type == "plane") {
    r.object(json, at, {"type", "normal", "distance", "shader"});
    Plane plane;
    plane.normal = r.nonzero_vec3(r.member(json, at, "normal", "the normal [x, y, z]"),
                                  at + "/normal", "the normal [x, y, z]");
    plane.distance = r.number(r.member(json, at, "distance", "a number"), at + "/distance");
    return Object{plane, shader_index(r, json, at, shaders)};
  }
  r.fail(at + "/type",
         "unknown object type " + in_quotes(type) + "; expected \"sphere\" or \"plane\"");
}

Light read_light(const Reader& r, const Json& json, const std::string& at) {
  if (!json.is_object()) {
    r.object(json, at, {"type"});
  }
  const std::string type = r.string(r.member(json, at, "type", "\"parallel\" or \"point\""),
                                    at + "/type", "\"parallel\" or \"point\"");
  if (type == "parallel") {
    r.object(json, at, {"type", "direction", "colour"});
    const std::string what = "the direction [x, y, z] towards the light";
    const Json& member = r.member(json, at, "direction", what);
    const Vec3 direction = r.nonzero_vec3(member, at + "/direction", what);
    // A squared length that underflows leaves the direction as it is instead of unit length.
    if (!(glm::dot(direction, direction) >= std::numeric_limits<double>::min())) {
      r.fail(at + "/direction", "expected " + what + " of a length that can be normalised, got [" +
                                    member[0].dump() + ", " + member[1].dump() + ", " +
                                    member[2].dump() + "]");
    }
    const Colour colour = r.vec3(r.member(json, at, "colour", "the colour [r, g, b]"),
                                 at + "/colour", "the colour [r, g, b]");
    return ParallelLight{direction, colour};
  }
  if (type == "point") {
    r.object(json, at, {"type", "position", "colour"});
    const Point3 position = r.vec3(r.member(json, at, "position", "the position [x, y, z]"),
                                   at + "/position", "the position [x, y, z]");
    const Colour colour = r.vec3(r.member(json, at, "colour", "the colour [r, g, b]"),
                                 at + "/colour", "the colour [r, g, b]");
    return PointLight{position, colour};
  }
  r.fail(at + "/type",
         "unknown light type " + in_quotes(type) + "; expected \"parallel\" or \"point\"");
}

Scene read_scene(const Reader& r, const Json& json) {
  r.object(json, "", {"image", "camera", "trace_depth", "seed", "shaders", "objects", "lights"});
  Scene scene;
  read_image(r, r.member(json, "", "image", "an object with width, height"), scene);
  read_camera(r, r.member(json, "", "camera", "an object with type, image_plane, back_plane"),
              scene);
  scene.trace_depth =
      static_cast<int>(r.integer(r.member(json, "", "trace_depth", "the reflection depth"),
                                 "/trace_depth", 0, kMaxTraceDepth));
  scene.seed = r.unsigned_integer(r.member(json, "", "seed", "a non-negative integer"), "/seed");
  read_shaders(r, r.member(json, "", "shaders", "an object of named shaders"), scene);
  ShaderIndex shaders;
  for (std::size_t i = 0; i < scene.shaders.size(); ++i) {
    shaders.emplace(scene.shaders[i].name, i);
  }

  const Json& objects = r.member(json, "", "objects", "an array of objects");
  if (!objects.is_array()) {
    r.fail("/objects", "expected an array of objects, got " + describe(objects));
  }
  for (std::size_t i = 0; i < objects.size(); ++i) {
    scene.objects.push_back(read_object(r, objects[i], "/objects/" + std::to_string(i), shaders));
  }

  const Json& lights = r.member(json, "", "lights", "an array of lights");
  if (!lights.is_array()) {
    r.fail("/lights", "expected an array of lights, got " + describe(lights));
  }
  for (std::size_t i = 0; i < lights.size(); ++i) {
    scene.lights.push_back(read_light(r, lights[i], "/lights/" + std::to_string(i)));
  }
  return scene;
}

// "3 objects", "1 light".
std::string counted(std::uint64_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

// Refuses a scene whose pixels could cost more than kMaxPixelTests: at /trace_depth when a
// shallower depth is affordable, else at /objects.
void check_pixel_cost(const Reader& r, const Scene& scene) {
  if (worst_case_pixel_tests(scene) <= kMaxPixelTests) {
    return;
  }
  int samples = 0;
  for (const Object& object : scene.objects) {
    samples = std::max(samples, occlusion_of(scene.shaders[object.shader]).samples);
  }
  const std::string budget = std::to_string(kMaxPixelTests);
  const std::string lights_and_samples =
      counted(scene.lights.size(), "light") + " and up to " +
      counted(static_cast<std::uint64_t>(samples), "occlusion sample");
  Scene shallower = scene;
  shallower.trace_depth = 0;
  const std::uint64_t flat = worst_case_pixel_tests(shallower);
  if (flat > kMaxPixelTests) {
    r.fail("/objects", "expected at most " + budget + " intersection tests a pixel, got up to " +
                           std::to_string(flat) + " from " +
                           counted(scene.objects.size(), "object") + " with " + lights_and_samples +
                           ", even without reflections");
  }
  for (;;) {
    ++shallower.trace_depth;
    if (worst_case_pixel_tests(shallower) > kMaxPixelTests) {
      break;
    }
  }
  r.fail("/trace_depth", "expected at most " + std::to_string(shallower.trace_depth - 1) + " for " +
                             counted(scene.objects.size(), "object") + ", " + lights_and_samples +
                             ", got " + std::to_string(scene.trace_depth) +
                             " (deeper, a pixel could take more than " + budget +
                             " intersection tests)");
}

// "line:column" of the 1-based byte offset nlohmann reports.
std::string line_column(std::string_view text, std::size_t byte) {
  const std::size_t end = std::min(byte == 0 ? 0 : byte - 1, text.size());
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

// nlohmann's explanation without its "[json.exception...] parse error at line L, column C: ".
std::string parse_problem(const nlohmann::json::parse_error& error) {
  const std::string text = error.what();
  const std::size_t column = text.find("column ");
  const std::size_t colon = column == std::string::npos ? column : text.find(": ", column);
  return colon == std::string::npos ? text : text.substr(colon + 2);
}

// `text` with its control characters written \u001b, as JSON would: names from a file may hold
// them, and a message must not steer the terminal that shows it.
std::string printable(const std::string& text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

// The error for a scene of more than kMaxSceneFileBytes; `got` says how much more.
SceneError too_large(const std::string& source, const std::string& got) {
  return SceneError(source, "1:1",
                    "expected a scene file of at most 16 MiB (" +
                        std::to_string(kMaxSceneFileBytes) + " bytes), got " + got);
}

}  // namespace

SceneError::SceneError(std::string_view source, std::string_view place, std::string_view expected)
    : std::runtime_error(printable(std::string(source) + ":" + std::string(place) + ": " +
                                   std::string(expected))) {}

Scene parse_scene(std::string_view json_text, std::string_view source_name) {
  const std::string source(source_name);
  if (json_text.size() > kMaxSceneFileBytes) {
    throw too_large(source, std::to_string(json_text.size()) + " bytes");
  }
  const Reader reader(source);
  DocumentBuilder builder(reader);
  try {
    Json::sax_parse(json_text, &builder);
  } catch (const nlohmann::json::parse_error& error) {
    throw SceneError(source, line_column(json_text, error.byte),
                     "expected valid JSON (" + parse_problem(error) + ")");
  }
  Scene scene = read_scene(reader, builder.take());
  check_pixel_cost(reader, scene);
  scene.name = std::filesystem::path(source).stem().string();
  return scene;
}

std::string read_scene_text(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(file, error);
  // A directory opens as a stream that reads nothing, which would be reported as empty JSON.
  if (std::filesystem::is_directory(status)) {
    throw SceneError(name, "1:1", "expected a scene file, got a directory");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    const std::string reason = std::strerror(errno);
    throw SceneError(name, "1:1", "expected a readable scene file (" + reason + ")");
  }
  // A regular file says its size; anything else (a device, a FIFO) may never end, so it is read
  // a block at a time, no further than the limit. A regular file replaced after this check is
  // bounded the same way.
  if (std::filesystem::is_regular_file(status)) {
    const std::uintmax_t size = std::filesystem::file_size(file, error);
    if (!error && size > kMaxSceneFileBytes) {
      throw too_large(name, std::to_string(size) + " bytes");
    }
  }
  std::string text;
  std::vector<char> block(std::size_t{1} << 16);
  do {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    text.append(block.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxSceneFileBytes) {
      throw too_large(name, "more");
    }
  } while (in);
  if (in.bad()) {
    throw SceneError(name, "1:1", "expected a readable scene file");
  }
  return text;
}

Scene load_scene(const std::filesystem::path& file) {
  return parse_scene(read_scene_text(file), file.string());
}

}  // namespace pygmy
