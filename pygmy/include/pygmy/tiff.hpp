// Writing and reading RGB TIFF files; writes are atomic, so a failure never leaves a torn file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "pygmy/image.hpp"

namespace pygmy {

class OutputFile;  // the temporary and its atomic rename (output_file.hpp)

// How write_tiff() encodes an image.
//   TiffOptions options{.compression = TiffOptions::Compression::deflate};
//   write_tiff("test.tif", image, options);
struct TiffOptions {
  // Lossless compression; deflate and lzw use the horizontal-differencing predictor.
  enum class Compression { none, deflate, lzw };
  // Classic TIFF's 32-bit offsets reach 4 GiB; BigTIFF's 64-bit ones reach any size, but older
  // readers cannot open it.
  enum class Variant { automatic, classic, big };

  Compression compression = Compression::none;  // how strips are compressed
  int bits_per_sample = 8;                      // 8, or 16 (each byte value × 257)
  std::string software = "pygmy";               // the Software tag
  std::string description{};                    // the ImageDescription tag; empty leaves it out
  Variant variant = Variant::automatic;         // automatic: see uses_bigtiff()
  double pixels_per_inch = 72;                  // XResolution and YResolution, in inches
};

// A TIFF file in two steps: the constructor creates a temporary file beside `file`, so an
// unusable path fails at once, before the image is even rendered; commit() writes the image
// into it, syncs it to disk and renames it over `file`. Until then `file` is untouched, and a
// TiffOutput destroyed without a successful commit removes its temporary. A symbolic link is
// written through to its target (the temporary goes beside the target, and the link stays); a
// device or FIFO such as /dev/null is never replaced but written in place by commit(), as is
// standard output, named "-".
//   TiffOutput output("test.tif", {.compression = TiffOptions::Compression::deflate});
//   output.commit(render_sequential(builtin_scene()));  // a missing directory threw above
class TiffOutput {
 public:
  // Creates the temporary, or opens the device or FIFO (which waits for a reader). Throws
  // std::system_error naming `file` when it cannot (a missing or read-only directory, a
  // directory as `file`); std::invalid_argument for bits_per_sample other than 8 or 16;
  // std::invalid_argument for pixels_per_inch not above 0 (or not finite); std::runtime_error
  // for a bad SOURCE_DATE_EPOCH (see source_date_epoch()).
  //   TiffOutput output("out/test.tif");
  //   std::filesystem::path temporary = output.temporary_path();  // out/.test.tif.pygmy-<pid>.tmp
  explicit TiffOutput(std::filesystem::path file, TiffOptions options = {});
  TiffOutput(const TiffOutput&) = delete;
  TiffOutput& operator=(const TiffOutput&) = delete;
  TiffOutput(TiffOutput&&) = delete;
  TiffOutput& operator=(TiffOutput&&) = delete;
  ~TiffOutput();

  // Where the image goes until commit() renames it: ".<file's name>.pygmy-<pid>.tmp" beside it
  // (a long name is shortened to fit); empty when the output is written in place. Temporaries
  // of the same file left by processes that were killed are removed when a TiffOutput is made.
  //   std::filesystem::path temporary = output.temporary_path();
  //   bool beside = temporary.parent_path() == std::filesystem::path("test.tif").parent_path();
  [[nodiscard]] const std::filesystem::path& temporary_path() const;

  // Whether the output is a device or FIFO, which commit() writes in place, with no temporary.
  //   TiffOutput output("/dev/null");
  //   bool nothing_to_remove = output.in_place() && output.temporary_path().empty();
  [[nodiscard]] bool in_place() const;

  // Sets the ImageDescription tag commit() writes, for a description known only once the image
  // is (a background render's arrives with its pixels); empty leaves the tag out.
  //   TiffOutput output("test.tif");
  //   output.describe("scene=pygmy seed=1");
  void describe(std::string description);

  // Writes `image` as an RGB TIFF (contiguous, top-left origin) with Software, ImageDescription,
  // DateTime and resolution tags (XResolution, YResolution, ResolutionUnit inch); DateTime is
  // SOURCE_DATE_EPOCH (UTC) when that is set, else the local time now. Then syncs the temporary and
  // renames it over the file (or copies it into the device). Throws std::runtime_error naming the
  // file; std::logic_error when called a second time.
  //   TiffOutput output("test.tif");
  //   output.commit(image);
  void commit(const Image& image);

 private:
  std::filesystem::path file_;
  TiffOptions options_;
  std::unique_ptr<OutputFile> output_;
  bool commit_called_ = false;
};

// Whether a width × height image is written as BigTIFF with `options`: when options.variant asks
// for it, or, for Variant::automatic, when the file might pass the 4 GiB classic TIFF reaches.
// That is reckoned from the pixels' bytes (twice as many for 16-bit samples) at their largest
// once compressed (LZW may make them half as large again, deflate barely larger), plus the
// strip tables and tags; the smaller files stay classic, for every reader to open.
//   bool big = uses_bigtiff(65536, 65536, {});  // true: 12.9 GB of pixels
[[nodiscard]] bool uses_bigtiff(int width, int height, const TiffOptions& options);

// The moment SOURCE_DATE_EPOCH names (for reproducible files), in seconds since 1970 UTC;
// nullopt when it is unset or empty. Throws std::runtime_error naming the variable unless it is a
// decimal integer from 0 to 253402300799, the last second of year 9999 (a TIFF DateTime has four
// digits for the year).
//   std::optional<std::int64_t> epoch = source_date_epoch();  // 1700000000 from "1700000000"
[[nodiscard]] std::optional<std::int64_t> source_date_epoch();

// Writes `image` to `file` in one go: TiffOutput(file, options).commit(image). On failure `file`
// is untouched and nothing is left behind.
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
