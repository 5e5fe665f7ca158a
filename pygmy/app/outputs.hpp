// The files a render leaves: the image and, when asked for, the worker map. Every path that writes
// them (a render here, a collect of a background render, rank 0 of an MPI job) goes through here,
// so each follows the same rules, whatever its format: a temporary beside the file, removed if a
// stopping signal arrives, renamed over the file with the signals held; a device or FIFO written
// in place; links followed only as OutputFile allows.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pygmy/image.hpp"
#include "pygmy/png.hpp"
#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"
#include "pygmy/schedulers.hpp"
#include "pygmy/tiff.hpp"
#include "signals.hpp"

namespace pygmy::app {

// The formats an image file is written in.
enum class ImageFormat { tiff, png };

// The format the extension of `file` names: .tif or .tiff TIFF, .png PNG, in any case; nullopt
// for a name without one (a device, a FIFO, "-"). Throws std::invalid_argument naming the formats
// for any other extension.
//   std::optional<ImageFormat> png = format_of_name("out.png");  // ImageFormat::png
[[nodiscard]] std::optional<ImageFormat> format_of_name(const std::string& file);

// "tiff" or "png": how --format names a format.
//   std::string name = name_of(ImageFormat::png);  // "png"
[[nodiscard]] std::string name_of(ImageFormat format);

// What to write, and how.
struct OutputRequest {
  std::string image{};  // -o: the image
  ImageFormat image_format = ImageFormat::tiff;
  TiffOptions image_options{};  // compression (TIFF), bits and the description; the Software
                                // is always software(), the command's version and commit
  std::string worker_map{};     // --worker-map: who rendered which band, in the format its
                                // name says (TIFF without one); empty: none
};

// The ImageDescription of an image rendered as `layout` says:
// "scene=pygmy seed=1 bands=16 band_rows=13 processes=2 scheduler=pool" (and " ranks=N" for mpi).
//   std::string description = description_of(scene, layout(scene, plan));
[[nodiscard]] std::string description_of(const Scene& scene, const schedulers::Layout& layout);

// One image file, a TIFF or a PNG: TiffOutput or PngOutput, which write through OutputFile. The
// PNG takes the bits, Software, description and resolution of `options`; PNG has no compression
// to choose.
//   ImageOutput output("test.png", ImageFormat::png, {.software = "pygmy"});
//   output.commit(image);
class ImageOutput {
 public:
  ImageOutput(const std::filesystem::path& file, ImageFormat format, const TiffOptions& options);

  [[nodiscard]] const std::filesystem::path& temporary_path() const;
  [[nodiscard]] bool in_place() const;
  void describe(std::string description);
  void commit(const Image& image);

 private:
  std::optional<TiffOutput> tiff_;
  std::optional<PngOutput> png_;
};

// The output files of one render, open from construction: each file's temporary exists (a FIFO
// is open, waiting for its reader), so that an unusable path fails before the render, not after.
//   Outputs outputs({.image = "test.tif", .image_options = {...}});
//   const schedulers::Rendered rendered = schedulers::render(scene, plan);
//   outputs.write(rendered);
class Outputs {
 public:
  // Finds out whether `request`'s files can be written, as opening them would, leaving nothing
  // behind. A device or FIFO is left alone (opening a FIFO would hand its reader an empty file).
  // For a caller that may open them only later (MPI's rank 0, see schedulers/mpi.cpp).
  static void check(const OutputRequest& request);

  explicit Outputs(const OutputRequest& request);

  // Whether the image goes to a device or FIFO, written in place (no rename to protect).
  [[nodiscard]] bool image_in_place() const { return image_.in_place(); }
  // Sets the image's description, when it is learnt only with the image (a collect).
  void describe(std::string description) { image_.describe(std::move(description)); }

  // Writes the image, then the worker map of `stats`' bands with its legend (draw_legend);
  // throws std::runtime_error naming the file that could not be written.
  void write(const Image& image, const schedulers::RenderStats& stats);
  // Writes the image only (there is no worker map to write).
  void write(const Image& image);

 private:
  std::string image_file_;  // as given, for messages
  std::string map_file_;
  ImageOutput image_;
  std::optional<ImageOutput> map_;
  RemoveOnSignal remove_on_signal_;
};

}  // namespace pygmy::app
