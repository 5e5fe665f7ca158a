// An 8-bit RGB picture in memory, filled band by band.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <span>
#include <vector>

namespace pygmy {

// width × height pixels, 3 bytes (R, G, B) each, rows top to bottom with no padding.
//   Image image{300, 200};
//   image.set_rows(0, render_band(scene, 0, 10));
class Image {
 public:
  // A black image. Throws std::invalid_argument unless both sizes are positive. Its pixels are
  // allocated from `memory` (for instance memory that forked processes do not inherit).
  //   Image image{4, 2};
  //   std::size_t bytes = image.pixels().size();  // 24
  Image(int width, int height,
        std::pmr::memory_resource* memory = std::pmr::get_default_resource());

  // An image holding `pixels` (width × height × 3 bytes, else std::invalid_argument).
  //   Image image{1, 1, {255, 0, 0}};
  //   bool red = image.row(0)[0] == 255;
  Image(int width, int height, std::vector<std::uint8_t> pixels);

  // Width in pixels.
  //   int w = image.width();
  //   std::size_t bytes = static_cast<std::size_t>(w) * 3;
  [[nodiscard]] int width() const { return width_; }

  // Height in pixels.
  //   int h = image.height();
  //   auto bands = split_rows(h, 16);
  [[nodiscard]] int height() const { return height_; }

  // Bytes in one row: width × 3.
  //   std::size_t stride = image.row_bytes();
  //   std::size_t band_bytes = stride * 16;
  [[nodiscard]] std::size_t row_bytes() const { return static_cast<std::size_t>(width_) * 3; }

  // All pixels, row-major, top row first.
  //   std::span<const std::uint8_t> bytes = image.pixels();
  //   write(bytes.data(), bytes.size());
  [[nodiscard]] std::span<const std::uint8_t> pixels() const { return pixels_; }

  // Row y (0 = top) as row_bytes() bytes. Throws std::out_of_range for a row outside the image.
  //   std::span<const std::uint8_t> top = image.row(0);
  //   std::uint8_t red_of_first_pixel = top[0];
  [[nodiscard]] std::span<const std::uint8_t> row(int y) const;

  // Writable rows [y0, y1), for renderers that fill the image in place. Throws
  // std::out_of_range unless 0 ≤ y0 ≤ y1 ≤ height().
  //   render_band_into(scene, 0, 8, image.rows(0, 8));
  //   std::span<std::uint8_t> all = image.rows(0, image.height());
  [[nodiscard]] std::span<std::uint8_t> rows(int y0, int y1);

  // Copies whole rows into the image starting at row y0. Throws std::invalid_argument unless
  // `bytes` is a whole number of rows, and std::out_of_range unless they fit below y0.
  //   image.set_rows(band.y0, render_band(scene, band.y0, band.y1));
  //   image.set_rows(0, other.pixels());
  void set_rows(int y0, std::span<const std::uint8_t> bytes);

  friend bool operator==(const Image&, const Image&) = default;

 private:
  int width_;
  int height_;
  std::pmr::vector<std::uint8_t> pixels_;
};

}  // namespace pygmy
