// PNG output through libpng, with errors turned into exceptions and atomic replacement.
#include "pygmy/png.hpp"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <png.h>

#include "pygmy/output_file.hpp"
#include "pygmy/scene.hpp"
#include "pygmy/tiff.hpp"

namespace pygmy {
namespace {

// libpng reports an error by calling its error function, which must not return: ours keeps the
// message and jumps back to the setjmp of the step under way. So each step that calls libpng
// holds nothing that needs a destructor (a jump would skip it): what it needs is made before.
struct PngMessages {
  std::string error;
};

[[noreturn]] void keep_error(png_structp png, png_const_charp message) {
  auto* messages = static_cast<PngMessages*>(png_get_error_ptr(png));
  try {
    messages->error = message;
  } catch (...) {
  }
  png_longjmp(png, 1);
}

void ignore_warning(png_structp, png_const_charp) {}

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what,
                       const PngMessages& messages) {
  std::string text = file.string() + ": " + what;
  if (!messages.error.empty()) {
    text += " (" + messages.error + ")";
  }
  throw std::runtime_error(text);
}

// Where libpng's bytes go: a descriptor, through a buffer. A failed write keeps its errno.
struct Sink {
  int fd = -1;
  std::vector<png_byte> buffer;
  std::size_t used = 0;
  int error = 0;

  bool flush() {
    for (std::size_t done = 0; done < used;) {
      const ssize_t put = ::write(fd, buffer.data() + done, used - done);
      if (put < 0 && errno == EINTR) continue;
      if (put < 0) {
        error = errno;
        return false;
      }
      done += static_cast<std::size_t>(put);
    }
    used = 0;
    return true;
  }
};

void write_to_sink(png_structp png, png_bytep data, std::size_t length) {
  auto* sink = static_cast<Sink*>(png_get_io_ptr(png));
  while (length > 0) {
    if (sink->used == sink->buffer.size() && !sink->flush()) {
      png_error(png, "cannot write");
    }
    const std::size_t part = std::min(length, sink->buffer.size() - sink->used);
    std::memcpy(sink->buffer.data() + sink->used, data, part);
    sink->used += part;
    data += part;
    length -= part;
  }
}

void flush_sink(png_structp) {}  // the bytes are flushed once, after the last

// A write or read structure and its info, destroyed together.
class PngHandle {
 public:
  enum class Use { write, read };

  PngHandle(Use use, PngMessages& messages) : use_(use) {
    png_ =
        use == Use::write
            ? png_create_write_struct(PNG_LIBPNG_VER_STRING, &messages, keep_error, ignore_warning)
            : png_create_read_struct(PNG_LIBPNG_VER_STRING, &messages, keep_error, ignore_warning);
    if (png_ != nullptr) info_ = png_create_info_struct(png_);
    if (png_ == nullptr || info_ == nullptr) {
      destroy();
      throw std::bad_alloc();
    }
  }
  PngHandle(const PngHandle&) = delete;
  PngHandle& operator=(const PngHandle&) = delete;
  ~PngHandle() { destroy(); }

  [[nodiscard]] png_structp png() const { return png_; }
  [[nodiscard]] png_infop info() const { return info_; }

 private:
  void destroy() noexcept {
    if (use_ == Use::write) {
      png_destroy_write_struct(&png_, info_ != nullptr ? &info_ : nullptr);
    } else {
      png_destroy_read_struct(&png_, info_ != nullptr ? &info_ : nullptr, nullptr);
    }
  }

  Use use_;
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
};

// "Tue, 14 Nov 2023 22:13:20 +0000": SOURCE_DATE_EPOCH when it is set, else now (UTC), as the
// PNG specification suggests for the Creation Time text.
std::string creation_time(const std::filesystem::path& file) {
  std::optional<std::int64_t> epoch;
  try {
    epoch = source_date_epoch();
  } catch (const std::runtime_error& error) {
    throw std::runtime_error(file.string() + ": " + error.what());
  }
  const auto seconds = static_cast<std::time_t>(epoch.value_or(std::time(nullptr)));
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[40];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S +0000", &parts);
  return text;
}

// Everything a write needs, made before libpng runs: its texts and a row of 16-bit samples.
struct Frame {
  const Image& image;
  int bits = 8;
  std::vector<png_text> texts{};
  png_uint_32 pixels_per_metre = 0;
  std::vector<png_byte> wide{};  // a row of big-endian 16-bit samples
};

// Writes the PNG of `frame` through `png`; false after a libpng error (see PngMessages).
bool encode(png_structp png, png_infop info, Frame& frame) {
  if (setjmp(png_jmpbuf(png)) != 0) {
    return false;
  }
  const Image& image = frame.image;
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width()),
               static_cast<png_uint_32>(image.height()), frame.bits, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_text(png, info, frame.texts.data(), static_cast<int>(frame.texts.size()));
  png_set_pHYs(png, info, frame.pixels_per_metre, frame.pixels_per_metre, PNG_RESOLUTION_METER);
  png_write_info(png, info);
  for (int y = 0; y < image.height(); ++y) {
    const std::span<const std::uint8_t> row = image.row(y);
    if (frame.bits == 16) {
      for (std::size_t i = 0; i < row.size(); ++i) {
        frame.wide[2 * i] = row[i];  // v × 257: the byte twice, big-endian as PNG stores it
        frame.wide[2 * i + 1] = row[i];
      }
      png_write_row(png, frame.wide.data());
    } else {
      png_write_row(png, row.data());
    }
  }
  png_write_end(png, info);
  return true;
}

// What read_png() learns from a file's header.
struct Header {
  png_uint_32 width = 0;
  png_uint_32 height = 0;
  int bits = 0;
  int colour = 0;
  int interlace = 0;
};

bool read_header(png_structp png, png_infop info, Header& header) {
  if (setjmp(png_jmpbuf(png)) != 0) {
    return false;
  }
  png_read_info(png, info);
  png_get_IHDR(png, info, &header.width, &header.height, &header.bits, &header.colour,
               &header.interlace, nullptr, nullptr);
  return true;
}

bool read_rows(png_structp png, Image& image, int bits, std::vector<png_byte>& row,
               std::vector<std::uint8_t>& narrow) {
  if (setjmp(png_jmpbuf(png)) != 0) {
    return false;
  }
  for (int y = 0; y < image.height(); ++y) {
    png_read_row(png, row.data(), nullptr);
    if (bits == 16) {
      for (std::size_t i = 0; i < narrow.size(); ++i) {
        const unsigned value = (unsigned{row[2 * i]} << 8) | row[2 * i + 1];
        narrow[i] = static_cast<std::uint8_t>((value + 128U) / 257U);
      }
      image.set_rows(y, narrow);
    } else {
      image.set_rows(y, row);
    }
  }
  return true;
}

struct FileClose {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

PngOutput::PngOutput(std::filesystem::path file, PngOptions options)
    : file_(std::move(file)), options_(std::move(options)) {
  if (options_.bits_per_sample != 8 && options_.bits_per_sample != 16) {
    throw std::invalid_argument(file_.string() + ": PNG bits per sample must be 8 or 16, got " +
                                std::to_string(options_.bits_per_sample));
  }
  // Checked now, not when the image is written: a bad value must not cost a whole render.
  static_cast<void>(creation_time(file_));
  output_ = std::make_unique<OutputFile>(file_);
}

PngOutput::~PngOutput() = default;

const std::filesystem::path& PngOutput::temporary_path() const { return output_->temporary_path(); }

bool PngOutput::in_place() const { return output_->in_place(); }

void PngOutput::describe(std::string description) { options_.description = std::move(description); }

void PngOutput::commit(const Image& image) {
  if (std::exchange(commit_called_, true)) {
    throw std::logic_error(file_.string() + ": the PNG file was already committed");
  }
  const std::string time = creation_time(file_);
  Frame frame{image};
  frame.bits = options_.bits_per_sample;
  const auto text = [](const char* key, const std::string& value) {
    png_text entry{};
    entry.compression = PNG_TEXT_COMPRESSION_NONE;
    entry.key = const_cast<char*>(key);
    entry.text = const_cast<char*>(value.c_str());
    entry.text_length = value.size();
    return entry;
  };
  frame.texts.push_back(text("Software", options_.software));
  if (!options_.description.empty()) {
    frame.texts.push_back(text("Description", options_.description));
  }
  frame.texts.push_back(text("Creation Time", time));
  frame.pixels_per_metre = static_cast<png_uint_32>(std::lround(options_.pixels_per_inch / 0.0254));
  frame.wide.resize(frame.bits == 16 ? image.row_bytes() * 2 : 0);

  PngMessages messages;
  PngHandle handle(PngHandle::Use::write, messages);
  Sink sink;
  sink.fd = output_->fd();
  sink.buffer.resize(std::size_t{1} << 16);
  png_set_write_fn(handle.png(), &sink, write_to_sink, flush_sink);
  if (!encode(handle.png(), handle.info(), frame) || !sink.flush()) {
    if (sink.error != 0) {
      throw std::system_error(sink.error, std::generic_category(),
                              file_.string() + ": cannot write");
    }
    fail(file_, "cannot write the PNG file", messages);
  }
  output_->commit();
}

void write_png(const std::filesystem::path& file, const Image& image, const PngOptions& options) {
  PngOutput(file, options).commit(image);
}

Image read_png(const std::filesystem::path& file) {
  const std::unique_ptr<std::FILE, FileClose> in(std::fopen(file.c_str(), "rbe"));
  if (!in) {
    throw std::system_error(errno, std::generic_category(),
                            file.string() + ": cannot open as a PNG file");
  }
  PngMessages messages;
  PngHandle handle(PngHandle::Use::read, messages);
  png_init_io(handle.png(), in.get());
  Header header;
  if (!read_header(handle.png(), handle.info(), header)) {
    fail(file, "cannot read as a PNG file", messages);
  }
  if (header.colour != PNG_COLOR_TYPE_RGB || (header.bits != 8 && header.bits != 16) ||
      header.interlace != PNG_INTERLACE_NONE) {
    fail(file, "is not an 8- or 16-bit RGB PNG, not interlaced", messages);
  }
  if (header.width == 0 || header.height == 0 ||
      header.width > static_cast<png_uint_32>(kMaxImageSide) ||
      header.height > static_cast<png_uint_32>(kMaxImageSide)) {
    fail(file,
         "has an unsupported size " + std::to_string(header.width) + "x" +
             std::to_string(header.height),
         messages);
  }
  Image image(static_cast<int>(header.width), static_cast<int>(header.height));
  std::vector<png_byte> row(image.row_bytes() * static_cast<std::size_t>(header.bits / 8));
  std::vector<std::uint8_t> narrow(header.bits == 16 ? image.row_bytes() : 0);
  if (!read_rows(handle.png(), image, header.bits, row, narrow)) {
    fail(file, "cannot read its rows", messages);
  }
  return image;
}

}  // namespace pygmy
