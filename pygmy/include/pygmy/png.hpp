// Writing and reading RGB PNG files; writes are atomic, so a failure never leaves a torn file.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "pygmy/image.hpp"

namespace pygmy {

class OutputFile;  // the temporary and its atomic rename (output_file.hpp)

// How write_png() encodes an image. PNG is always compressed (deflate, losslessly).
//   write_png("test.png", image, {.bits_per_sample = 16});
struct PngOptions {
  int bits_per_sample = 8;         // 8, or 16 (each byte value × 257)
  std::string software = "pygmy";  // the Software text
  std::string description{};       // the Description text; empty leaves it out
  double pixels_per_inch = 72;     // the pHYs resolution, as pixels per metre
};

// A PNG file in two steps, as TiffOutput writes a TIFF: the constructor creates a temporary file
// beside `file` (or opens the device or FIFO; "-" is standard output), so an unusable path
// fails at once, before the image
// is even rendered; commit() writes the image into it, syncs it and renames it over `file`. Until
// then `file` is untouched, and a PngOutput destroyed without a successful commit removes its
// temporary. Links, devices and FIFOs follow OutputFile's rules.
//   PngOutput output("test.png");
//   output.commit(render_sequential(builtin_scene()));
class PngOutput {
 public:
  // Creates the temporary, or opens the device or FIFO. Throws std::system_error naming `file`
  // when it cannot; std::invalid_argument for bits_per_sample other than 8 or 16;
  // std::runtime_error for a bad SOURCE_DATE_EPOCH (see source_date_epoch() in tiff.hpp).
  //   PngOutput output("out/test.png");
  explicit PngOutput(std::filesystem::path file, PngOptions options = {});
  PngOutput(const PngOutput&) = delete;
  PngOutput& operator=(const PngOutput&) = delete;
  PngOutput(PngOutput&&) = delete;
  PngOutput& operator=(PngOutput&&) = delete;
  ~PngOutput();

  // Where the image goes until commit() renames it: ".<file's name>.pygmy-<pid>.tmp" beside it;
  // empty when the output is written in place.
  //   std::filesystem::path temporary = output.temporary_path();
  [[nodiscard]] const std::filesystem::path& temporary_path() const;

  // Whether the output is a device, FIFO or standard output, which commit() writes in place.
  //   bool nothing_to_remove = PngOutput("/dev/null").in_place();
  [[nodiscard]] bool in_place() const;

  // Sets the Description text commit() writes, for a description known only once the image is.
  //   output.describe("scene=pygmy seed=1");
  void describe(std::string description);

  // Writes `image` as an 8- or 16-bit RGB PNG, not interlaced, with the texts Software,
  // Description and Creation Time (RFC 1123, from SOURCE_DATE_EPOCH when that is set, else now)
  // and a pHYs resolution. Then syncs the temporary and renames it over the file (or copies it
  // into the device). Throws std::runtime_error naming the file; std::logic_error when called a
  // second time.
  //   output.commit(image);
  void commit(const Image& image);

 private:
  std::filesystem::path file_;
  PngOptions options_;
  std::unique_ptr<OutputFile> output_;
  bool commit_called_ = false;
};

// Writes `image` to `file` in one go: PngOutput(file, options).commit(image).
//   write_png("test.png", render_sequential(builtin_scene()));
void write_png(const std::filesystem::path& file, const Image& image,
               const PngOptions& options = {});

// Reads an 8- or 16-bit RGB PNG that is not interlaced (16-bit values are scaled to bytes by /257,
// rounded). Throws std::runtime_error naming the file when it is missing, corrupt or of another
// kind.
//   Image image = read_png("test.png");
[[nodiscard]] Image read_png(const std::filesystem::path& file);

}  // namespace pygmy
