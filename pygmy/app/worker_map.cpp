// A picture of who rendered what: each band of an image in the colour of the worker that
// rendered it, for `pygmy render --worker-map`.
#include "worker_map.hpp"

#include <cmath>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>

namespace pygmy::app {

namespace {

// Tableau 10: ten colours made to be told apart, also in print and by most colour-blind eyes.
constexpr std::array<Rgb8, 10> kPalette{{{0x4e, 0x79, 0xa7},
                                         {0xf2, 0x8e, 0x2b},
                                         {0xe1, 0x57, 0x59},
                                         {0x76, 0xb7, 0xb2},
                                         {0x59, 0xa1, 0x4f},
                                         {0xed, 0xc9, 0x48},
                                         {0xb0, 0x7a, 0xa1},
                                         {0xff, 0x9d, 0xa7},
                                         {0x9c, 0x75, 0x5f},
                                         {0xba, 0xb0, 0xac}}};

// Hue (turns), saturation and value to RGB bytes.
Rgb8 from_hsv(double hue, double saturation, double value) {
  const double h = (hue - std::floor(hue)) * 6;
  const double c = value * saturation;
  const double x = c * (1 - std::abs(std::fmod(h, 2) - 1));
  const int sector = static_cast<int>(h) % 6;
  const std::array<std::array<double, 3>, 6> rgb{
      {{c, x, 0}, {x, c, 0}, {0, c, x}, {0, x, c}, {x, 0, c}, {c, 0, x}}};
  Rgb8 out{};
  for (std::size_t i = 0; i < 3; ++i) {
    out[i] = static_cast<std::uint8_t>(
        std::lround(255 * (rgb[static_cast<std::size_t>(sector)][i] + value - c)));
  }
  return out;
}

}  // namespace

Rgb8 worker_colour(int worker) {
  if (worker >= 0 && worker < static_cast<int>(kPalette.size())) {
    return kPalette[static_cast<std::size_t>(worker)];
  }
  // The golden angle never brings a hue back; three saturations and values part the colours
  // whose hues come close.
  const int n = worker - static_cast<int>(kPalette.size());
  constexpr double kGoldenTurn = 0.381966011250105;
  return from_hsv(0.1 + n * kGoldenTurn, 0.45 + 0.2 * (n % 3), 0.95 - 0.15 * ((n / 3) % 3));
}

Rgb8 border_colour(const Rgb8& colour) {
  Rgb8 darker{};
  for (std::size_t i = 0; i < 3; ++i) {
    darker[i] = static_cast<std::uint8_t>(colour[i] * 2 / 5);
  }
  return darker;
}

Image worker_map(int width, int height, const std::vector<Band>& bands,
                 const std::vector<int>& band_worker) {
  if (bands.size() != band_worker.size()) {
    throw std::invalid_argument("worker_map: " + std::to_string(bands.size()) + " bands but " +
                                std::to_string(band_worker.size()) + " workers");
  }
  Image map(width, height);
  for (std::size_t i = 0; i < bands.size(); ++i) {
    const Band& band = bands[i];
    if (band.y0 < 0 || band.y0 > band.y1 || band.y1 > height) {
      throw std::invalid_argument("worker_map: band " + std::to_string(band.y0) + "-" +
                                  std::to_string(band.y1) + " outside " + std::to_string(height) +
                                  " rows");
    }
    const Rgb8 fill = worker_colour(band_worker[i]);
    const Rgb8 line = border_colour(fill);
    for (int y = band.y0; y < band.y1; ++y) {
      // A band of one row is all fill: a line would hide its colour.
      const Rgb8& colour = y == band.y0 && band.y1 - band.y0 > 1 ? line : fill;
      const std::span<std::uint8_t> row = map.rows(y, y + 1);
      for (std::size_t x = 0; x < row.size(); x += 3) {
        row[x] = colour[0];
        row[x + 1] = colour[1];
        row[x + 2] = colour[2];
      }
    }
  }
  return map;
}

}  // namespace pygmy::app
