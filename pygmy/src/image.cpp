// Image storage and row access with bounds checks.
#include "pygmy/image.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace pygmy {
namespace {

std::size_t checked_size(int width, int height) {
  if (width <= 0 || height <= 0) {
    throw std::invalid_argument("image size must be positive, got " + std::to_string(width) + "x" +
                                std::to_string(height));
  }
  return static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3;
}

}  // namespace

Image::Image(int width, int height, std::pmr::memory_resource* memory)
    : width_(width), height_(height), pixels_(checked_size(width, height), 0, memory) {}

Image::Image(int width, int height, std::vector<std::uint8_t> pixels)
    : width_(width), height_(height), pixels_(pixels.begin(), pixels.end()) {
  const std::size_t expected = checked_size(width, height);
  if (pixels_.size() != expected) {
    throw std::invalid_argument("a " + std::to_string(width) + "x" + std::to_string(height) +
                                " image needs " + std::to_string(expected) + " bytes, got " +
                                std::to_string(pixels_.size()));
  }
}

std::span<const std::uint8_t> Image::row(int y) const {
  if (y < 0 || y >= height_) {
    throw std::out_of_range("row " + std::to_string(y) + " is outside an image of height " +
                            std::to_string(height_));
  }
  return std::span<const std::uint8_t>(pixels_).subspan(static_cast<std::size_t>(y) * row_bytes(),
                                                        row_bytes());
}

std::span<std::uint8_t> Image::rows(int y0, int y1) {
  if (y0 < 0 || y0 > y1 || y1 > height_) {
    throw std::out_of_range("rows [" + std::to_string(y0) + ", " + std::to_string(y1) +
                            ") are outside an image of height " + std::to_string(height_));
  }
  return std::span<std::uint8_t>(pixels_).subspan(static_cast<std::size_t>(y0) * row_bytes(),
                                                  static_cast<std::size_t>(y1 - y0) * row_bytes());
}

void Image::set_rows(int y0, std::span<const std::uint8_t> bytes) {
  if (bytes.size() % row_bytes() != 0) {
    throw std::invalid_argument(std::to_string(bytes.size()) + " bytes is not a whole number of " +
                                std::to_string(row_bytes()) + "-byte rows");
  }
  const auto count = static_cast<std::size_t>(bytes.size() / row_bytes());
  if (y0 < 0 || count > static_cast<std::size_t>(height_ - std::min(y0, height_))) {
    throw std::out_of_range(std::to_string(count) + " rows at row " + std::to_string(y0) +
                            " do not fit an image of height " + std::to_string(height_));
  }
  std::copy(
      bytes.begin(), bytes.end(),
      pixels_.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(y0) * row_bytes()));
}

}  // namespace pygmy
