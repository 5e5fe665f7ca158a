// What the pygmy subcommands share on their command lines: exit statuses, checks of option
// values, and the scene an invocation names.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>

#include "outputs.hpp"
#include "pygmy/scene.hpp"
#include "pygmy/tiff.hpp"

namespace pygmy::app {

inline constexpr int kRenderError = 1;  // the exit status of a render or file error
inline constexpr int kUsageError = 2;   // the exit status of a usage error

// A usage error found after the command line was parsed (in the environment, say): main()
// prints it and exits with kUsageError.
//   throw UsageError("SOURCE_DATE_EPOCH: expected ...");
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads "640x480" (or "640X480"); each side must be from 1 to kMaxImageSide, as in a scene file.
//   std::optional<std::pair<int, int>> size = parse_size("640x480");  // {640, 480}
[[nodiscard]] std::optional<std::pair<int, int>> parse_size(const std::string& text);

// Why `text` cannot be a size (empty when it can): a CLI11 check.
//   app.add_option("--size", size)->check(size_problem);
[[nodiscard]] std::string size_problem(const std::string& text);

// Why `text` cannot be a seed (empty when it can). Checked here, for CLI11 would wrap "-1" round
// to 2^64 - 1 and saturate there past 64 bits.
//   app.add_option("--seed", seed)->check(seed_problem)->transform(decimal());
[[nodiscard]] std::string seed_problem(const std::string& text);

// A seed's digits without leading zeros, which CLI11 would take as octal ("010" is ten).
//   std::string ten = without_leading_zeros("010");  // "10"
[[nodiscard]] std::string without_leading_zeros(const std::string& text);

// A CLI11 transform that makes every integer on the command line decimal: it refuses anything
// but digits (CLI11 itself reads "0x10" as sixteen and "-1" as a number), and drops leading
// zeros, which CLI11 would take as octal ("010" is ten, "08" eight). The option's own checks
// then see the digits.
//   render->add_option("-j,--jobs", jobs)->check(CLI::Range(1U, 4096U))->transform(decimal());
[[nodiscard]] CLI::Validator decimal();

// Why `text` cannot be a number of seconds to wait (empty when it can): a decimal number above
// zero, finite ("nan" and "inf" are refused; "1e308" is a wait too long to end, and allowed).
//   render->add_option("--band-timeout", seconds)->check(seconds_problem);
[[nodiscard]] std::string seconds_problem(const std::string& text);

// Why `text` cannot be a file to write (empty when it can). Checked before rendering: a
// directory would otherwise be found only when the finished file is renamed over it.
//   app.add_option("--json", json)->check(output_problem);
[[nodiscard]] std::string output_problem(const std::string& text);

// Why `text` cannot be an image file to write (empty when it can): output_problem's reasons, and
// a name whose extension is not .tif, .tiff or .png (see format_of_name).
// "-" (standard output) is one.
//   app.add_option("-o,--output", output)->check(image_output_problem);
[[nodiscard]] std::string image_output_problem(const std::string& text);

// The options of the image file a command writes, as `render` and `collect` both take them.
struct ImageFileOptions {
  CLI::Option* output = nullptr;       // -o, --output
  CLI::Option* format = nullptr;       // --format
  CLI::Option* compression = nullptr;  // --compression
  CLI::Option* bits = nullptr;         // --bits
};

// Adds -o, --format, --compression and --bits to `command`, read into the variables named.
//   const ImageFileOptions image = add_image_file_options(*render, o.output, o.format,
//                                                         o.compression, o.bits);
//   render->add_option("--background", o.background)->excludes(image.output);
ImageFileOptions add_image_file_options(CLI::App& command, std::string& output, std::string& format,
                                        std::string& compression, int& bits);

// Throws UsageError when `output` is "-" and standard output a terminal, where an image is of no
// use (a shell's redirection or a pipe is what "-" is for).
//   check_standard_output("-o", options.output);
void check_standard_output(const std::string& option, const std::string& output);

// The format the image `file` is written in: `format` ("tiff" or "png", from --format) when it is
// not empty, else the one its extension names, else TIFF. Throws UsageError when the two
// disagree, or when `compression` other than "none" (a TIFF's) is asked of a PNG.
//   ImageFormat format = image_format_for("out.png", "", "none");  // ImageFormat::png
[[nodiscard]] ImageFormat image_format_for(const std::string& file, const std::string& format,
                                           const std::string& compression);

// Why `text` names no scheduler of this build (empty when it does): a CLI11 check listing the
// schedulers there are, or saying that this build has no MPI.
//   render->add_option("--scheduler", name)->check(scheduler_problem);
[[nodiscard]] std::string scheduler_problem(const std::string& text);

// The file a scene argument names: `scene_file` itself when it exists or holds a '/'; else,
// when installed_scenes() holds it, a bundled scene by its name ("showcase" or "showcase.json");
// else `scene_file`, for load_scene() to say that it cannot be read.
//   std::filesystem::path file = scene_path("tiny");  // <prefix>/share/pygmy/scenes/tiny.json
[[nodiscard]] std::filesystem::path scene_path(const std::string& scene_file);

// The scene a command line names: the built-in PyGmy scene when `scene_file` is empty, the JSON
// on standard input (named "stdin") for "-", else the file scene_path() finds; at `size` ("WxH",
// checked by size_problem) when that is not empty.
//   Scene scene = scene_for("scenes/tiny.json", "64x40");
[[nodiscard]] Scene scene_for(const std::string& scene_file, const std::string& size);

// The TIFF compression an option names: "none", "deflate" or "lzw" (checked by CLI11).
//   TiffOptions options{.compression = compression_named("deflate")};
[[nodiscard]] TiffOptions::Compression compression_named(const std::string& name);

// "1 band", "3 bands".
//   std::string text = count_of(3, "band", "bands");
[[nodiscard]] std::string count_of(std::size_t count, const std::string& one,
                                   const std::string& many);

}  // namespace pygmy::app
