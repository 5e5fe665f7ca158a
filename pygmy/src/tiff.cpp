// TIFF output through libtiff, with errors turned into exceptions and atomic replacement.
#include "pygmy/tiff.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <tiffio.h>

#include "pygmy/output_file.hpp"
#include "pygmy/scene.hpp"

namespace pygmy {
namespace {

// Collects libtiff's error messages for one file instead of letting its global handler print
// them; warnings are dropped.
struct TiffMessages {
  std::string error;
};

int collect_error(TIFF*, void* user_data, const char* module, const char* format, va_list args) {
  auto* messages = static_cast<TiffMessages*>(user_data);
  char text[512];
  std::vsnprintf(text, sizeof text, format, args);
  if (!messages->error.empty()) {
    messages->error += "; ";
  }
  if (module != nullptr && *module != '\0') {
    messages->error += std::string(module) + ": ";
  }
  messages->error += text;
  return 1;  // handled: libtiff must not call its global handler
}

int ignore_warning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

struct OpenOptionsFree {
  void operator()(TIFFOpenOptions* options) const { TIFFOpenOptionsFree(options); }
};

std::unique_ptr<TIFFOpenOptions, OpenOptionsFree> open_options(TiffMessages& messages) {
  std::unique_ptr<TIFFOpenOptions, OpenOptionsFree> options(TIFFOpenOptionsAlloc());
  if (!options) {
    throw std::bad_alloc();
  }
  TIFFOpenOptionsSetErrorHandlerExtR(options.get(), collect_error, &messages);
  TIFFOpenOptionsSetWarningHandlerExtR(options.get(), ignore_warning, nullptr);
  return options;
}

struct TiffClose {
  void operator()(TIFF* tiff) const { TIFFClose(tiff); }
};
using TiffHandle = std::unique_ptr<TIFF, TiffClose>;

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what,
                       const TiffMessages& messages) {
  std::string text = file.string() + ": " + what;
  if (!messages.error.empty()) {
    text += " (" + messages.error + ")";
  }
  throw std::runtime_error(text);
}

// The latest DateTime a TIFF holds: 9999:12:31 23:59:59 UTC.
constexpr std::int64_t kLastSecondOfYear9999 = 253402300799;

// source_date_epoch(), with `file` named in its error.
std::optional<std::int64_t> source_date_epoch_for(const std::filesystem::path& file) {
  try {
    return source_date_epoch();
  } catch (const std::runtime_error& error) {
    throw std::runtime_error(file.string() + ": " + error.what());
  }
}

// "YYYY:MM:DD HH:MM:SS" from SOURCE_DATE_EPOCH (UTC) for reproducible files, else local now.
std::string tiff_date_time(const std::filesystem::path& file) {
  std::tm parts{};
  if (const std::optional<std::int64_t> epoch = source_date_epoch_for(file)) {
    const auto time = static_cast<std::time_t>(*epoch);
    gmtime_r(&time, &parts);
  } else {
    const std::time_t now = std::time(nullptr);
    localtime_r(&now, &parts);
  }
  char text[32];
  std::strftime(text, sizeof text, "%Y:%m:%d %H:%M:%S", &parts);
  return text;
}

std::uint16_t compression_tag(TiffOptions::Compression compression) {
  switch (compression) {
    case TiffOptions::Compression::deflate:
      return COMPRESSION_ADOBE_DEFLATE;
    case TiffOptions::Compression::lzw:
      return COMPRESSION_LZW;
    case TiffOptions::Compression::none:
      break;
  }
  return COMPRESSION_NONE;
}

void write_strips(TIFF* tiff, const std::filesystem::path& file, const Image& image,
                  const TiffOptions& options, const TiffMessages& messages) {
  const auto width = static_cast<std::uint32_t>(image.width());
  const auto height = static_cast<std::uint32_t>(image.height());
  const auto bits = static_cast<std::uint16_t>(options.bits_per_sample);
  const std::uint16_t compression = compression_tag(options.compression);
  const std::string date_time = tiff_date_time(file);

  bool ok = TIFFSetField(tiff, TIFFTAG_IMAGEWIDTH, width) == 1 &&
            TIFFSetField(tiff, TIFFTAG_IMAGELENGTH, height) == 1 &&
            TIFFSetField(tiff, TIFFTAG_SAMPLESPERPIXEL, std::uint16_t{3}) == 1 &&
            TIFFSetField(tiff, TIFFTAG_BITSPERSAMPLE, bits) == 1 &&
            TIFFSetField(tiff, TIFFTAG_SAMPLEFORMAT, std::uint16_t{SAMPLEFORMAT_UINT}) == 1 &&
            TIFFSetField(tiff, TIFFTAG_PHOTOMETRIC, std::uint16_t{PHOTOMETRIC_RGB}) == 1 &&
            TIFFSetField(tiff, TIFFTAG_PLANARCONFIG, std::uint16_t{PLANARCONFIG_CONTIG}) == 1 &&
            TIFFSetField(tiff, TIFFTAG_ORIENTATION, std::uint16_t{ORIENTATION_TOPLEFT}) == 1 &&
            TIFFSetField(tiff, TIFFTAG_COMPRESSION, compression) == 1 &&
            TIFFSetField(tiff, TIFFTAG_XRESOLUTION, options.pixels_per_inch) == 1 &&
            TIFFSetField(tiff, TIFFTAG_YRESOLUTION, options.pixels_per_inch) == 1 &&
            TIFFSetField(tiff, TIFFTAG_RESOLUTIONUNIT, std::uint16_t{RESUNIT_INCH}) == 1 &&
            TIFFSetField(tiff, TIFFTAG_SOFTWARE, options.software.c_str()) == 1 &&
            TIFFSetField(tiff, TIFFTAG_DATETIME, date_time.c_str()) == 1;
  if (ok && !options.description.empty()) {
    ok = TIFFSetField(tiff, TIFFTAG_IMAGEDESCRIPTION, options.description.c_str()) == 1;
  }
  if (ok && compression != COMPRESSION_NONE) {
    ok = TIFFSetField(tiff, TIFFTAG_PREDICTOR, std::uint16_t{PREDICTOR_HORIZONTAL}) == 1;
  }
  // libtiff's default aims at strips of about 8 KiB.
  ok = ok && TIFFSetField(tiff, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(tiff, 0)) == 1;
  if (!ok) {
    fail(file, "cannot set the TIFF tags", messages);
  }

  const std::size_t samples = image.row_bytes();
  std::vector<std::uint16_t> wide(bits == 16 ? samples : 0);
  // TIFFWriteScanline may modify the buffer (the predictor works in place), so copy each row.
  std::vector<std::uint8_t> narrow(bits == 8 ? samples : 0);
  for (std::uint32_t y = 0; y < height; ++y) {
    const std::span<const std::uint8_t> row = image.row(static_cast<int>(y));
    void* buffer = nullptr;
    if (bits == 16) {
      for (std::size_t i = 0; i < samples; ++i) {
        wide[i] = static_cast<std::uint16_t>(row[i] * 257);
      }
      buffer = wide.data();
    } else {
      std::copy(row.begin(), row.end(), narrow.begin());
      buffer = narrow.data();
    }
    if (TIFFWriteScanline(tiff, buffer, y, 0) != 1) {
      fail(file, "cannot write row " + std::to_string(y), messages);
    }
  }
}

}  // namespace

bool uses_bigtiff(int width, int height, const TiffOptions& options) {
  if (options.variant != TiffOptions::Variant::automatic) {
    return options.variant == TiffOptions::Variant::big;
  }
  const auto rows = static_cast<std::uint64_t>(height);
  const std::uint64_t raw = static_cast<std::uint64_t>(width) * rows * 3 *
                            (static_cast<std::uint64_t>(options.bits_per_sample) / 8);
  std::uint64_t pixels = raw;
  switch (options.compression) {
    case TiffOptions::Compression::lzw:
      pixels = raw + raw / 2 + 8 * rows;  // up to 12 bits for a byte; codes ending each strip
      break;
    case TiffOptions::Compression::deflate:
      pixels = raw + raw / 1024 + 32 * rows;  // zlib's deflateBound, for at most a strip a row
      break;
    case TiffOptions::Compression::none:
      break;
  }
  // An offset and a byte count for each strip (at most one a row), then the tags.
  const std::uint64_t rest =
      16 * rows + options.software.size() + options.description.size() + 4096;
  return pixels + rest > std::numeric_limits<std::uint32_t>::max();
}

std::optional<std::int64_t> source_date_epoch() {
  const char* value = std::getenv("SOURCE_DATE_EPOCH");
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  // from_chars alone would take a sign; strtoll would also take spaces and saturate.
  const std::string_view text(value);
  std::int64_t seconds = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (text.find_first_not_of("0123456789") != std::string_view::npos || error != std::errc{} ||
      end != text.data() + text.size() || seconds > kLastSecondOfYear9999) {
    throw std::runtime_error("SOURCE_DATE_EPOCH: expected whole seconds from 0 to " +
                             std::to_string(kLastSecondOfYear9999) +
                             " (the end of year 9999), got '" + std::string(text) + "'");
  }
  return seconds;
}

TiffOutput::TiffOutput(std::filesystem::path file, TiffOptions options)
    : file_(std::move(file)), options_(std::move(options)) {
  if (options_.bits_per_sample != 8 && options_.bits_per_sample != 16) {
    throw std::invalid_argument(file_.string() + ": TIFF bits per sample must be 8 or 16, got " +
                                std::to_string(options_.bits_per_sample));
  }
  if (!(options_.pixels_per_inch > 0) || !std::isfinite(options_.pixels_per_inch)) {
    throw std::invalid_argument(file_.string() +
                                ": TIFF resolution must be above 0 pixels per inch, got " +
                                std::to_string(options_.pixels_per_inch));
  }
  // Checked now, not when the image is written: a bad value must not cost a whole render.
  static_cast<void>(source_date_epoch_for(file_));
  output_ = std::make_unique<OutputFile>(file_);
}

TiffOutput::~TiffOutput() = default;

const std::filesystem::path& TiffOutput::temporary_path() const {
  return output_->temporary_path();
}

bool TiffOutput::in_place() const { return output_->in_place(); }

void TiffOutput::describe(std::string description) {
  options_.description = std::move(description);
}

void TiffOutput::commit(const Image& image) {
  if (std::exchange(commit_called_, true)) {
    throw std::logic_error(file_.string() + ": the TIFF file was already committed");
  }
  TiffMessages messages;
  const auto open = open_options(messages);
  // libtiff closes the descriptor it is given; the output keeps its own, and with it its lock.
  const int fd = ::fcntl(output_->fd(), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), file_.string() + ": dup");
  }
  const char* mode = uses_bigtiff(image.width(), image.height(), options_) ? "w8" : "w";
  TiffHandle tiff(TIFFFdOpenExt(fd, file_.c_str(), mode, open.get()));
  if (!tiff) {
    ::close(fd);
    fail(file_, "cannot start a TIFF file", messages);
  }
  write_strips(tiff.get(), file_, image, options_, messages);
  if (TIFFFlush(tiff.get()) != 1) {
    fail(file_, "cannot finish the TIFF file", messages);
  }
  // TIFFClose cannot report a failure, so everything was flushed above.
  tiff.reset();
  if (!messages.error.empty()) {
    fail(file_, "cannot write the TIFF file", messages);
  }
  output_->commit();
}

void write_tiff(const std::filesystem::path& file, const Image& image, const TiffOptions& options) {
  TiffOutput(file, options).commit(image);
}

Image read_tiff(const std::filesystem::path& file) {
  TiffMessages messages;
  const auto open = open_options(messages);
  TiffHandle tiff(TIFFOpenExt(file.c_str(), "r", open.get()));
  if (!tiff) {
    fail(file, "cannot open as a TIFF file", messages);
  }
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint16_t samples_per_pixel = 0;
  std::uint16_t bits = 0;
  std::uint16_t planar = PLANARCONFIG_CONTIG;
  std::uint16_t photometric = 0;
  if (TIFFGetField(tiff.get(), TIFFTAG_IMAGEWIDTH, &width) != 1 ||
      TIFFGetField(tiff.get(), TIFFTAG_IMAGELENGTH, &height) != 1 ||
      TIFFGetField(tiff.get(), TIFFTAG_PHOTOMETRIC, &photometric) != 1) {
    fail(file, "is missing its size or photometric tags", messages);
  }
  TIFFGetFieldDefaulted(tiff.get(), TIFFTAG_SAMPLESPERPIXEL, &samples_per_pixel);
  TIFFGetFieldDefaulted(tiff.get(), TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tiff.get(), TIFFTAG_PLANARCONFIG, &planar);
  if (photometric != PHOTOMETRIC_RGB || samples_per_pixel != 3 || planar != PLANARCONFIG_CONTIG ||
      (bits != 8 && bits != 16) || TIFFIsTiled(tiff.get())) {
    fail(file, "is not a striped, contiguous 8- or 16-bit RGB TIFF", messages);
  }
  if (width == 0 || height == 0 || width > static_cast<std::uint32_t>(kMaxImageSide) ||
      height > static_cast<std::uint32_t>(kMaxImageSide)) {
    fail(file, "has an unsupported size " + std::to_string(width) + "x" + std::to_string(height),
         messages);
  }

  Image image(static_cast<int>(width), static_cast<int>(height));
  const std::size_t samples = image.row_bytes();
  if (static_cast<std::size_t>(TIFFScanlineSize64(tiff.get())) != samples * (bits / 8)) {
    fail(file, "has an unexpected row size", messages);
  }
  std::vector<std::uint8_t> scanline(samples * (bits / 8));
  std::vector<std::uint8_t> row(samples);
  for (std::uint32_t y = 0; y < height; ++y) {
    if (TIFFReadScanline(tiff.get(), scanline.data(), y, 0) != 1) {
      fail(file, "cannot read row " + std::to_string(y), messages);
    }
    if (bits == 16) {
      for (std::size_t i = 0; i < samples; ++i) {
        std::uint16_t value = 0;
        std::memcpy(&value, scanline.data() + 2 * i, sizeof value);
        row[i] = static_cast<std::uint8_t>((value + 128U) / 257U);
      }
      image.set_rows(static_cast<int>(y), row);
    } else {
      image.set_rows(static_cast<int>(y), scanline);
    }
  }
  return image;
}

}  // namespace pygmy
