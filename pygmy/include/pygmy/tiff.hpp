// Writing and reading RGB TIFF files; writes are atomic, so a failure never leaves a torn file.
#pragma once

#include <filesystem>
#include <string>

#include "pygmy/image.hpp"

namespace pygmy {

// How write_tiff() encodes an image.
//   TiffOptions options{.compression = TiffOptions::Compression::deflate};
//   write_tiff("test.tif", image, options);
struct TiffOptions {
  // Lossless compression; deflate and lzw use the horizontal-differencing predictor.
  enum class Compression { none, deflate, lzw };

  Compression compression = Compression::none;  // how strips are compressed
  int bits_per_sample = 8;                      // 8, or 16 (each byte value × 257)
  std::string software = "pygmy";               // the Software tag
  std::string description{};                    // the ImageDescription tag; empty leaves it out
};

// Writes `image` as an RGB TIFF (contiguous, top-left origin) with Software, ImageDescription
// and DateTime tags; DateTime is SOURCE_DATE_EPOCH (UTC) when that is set, else the local time
// now. Writes a temporary file in the same directory and renames it over `file`, so on failure
// `file` is untouched and nothing is left behind. Throws std::runtime_error naming the file;
// std::invalid_argument for bits_per_sample other than 8 or 16.
//   write_tiff("test.tif", render_sequential(builtin_scene()));
//   write_tiff("deep.tif", image, {.bits_per_sample = 16});
void write_tiff(const std::filesystem::path& file, const Image& image,
                const TiffOptions& options = {});

// Reads an 8- or 16-bit RGB TIFF (16-bit values are scaled to bytes by /257, rounded).
// Throws std::runtime_error naming the file when it is missing, corrupt or of another kind.
//   Image image = read_tiff("test.tif");
//   bool same = image == render_sequential(builtin_scene());
[[nodiscard]] Image read_tiff(const std::filesystem::path& file);

}  // namespace pygmy
