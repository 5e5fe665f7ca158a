// A picture of who rendered what: each band of an image in the colour of the worker that
// rendered it, with a legend, for `pygmy render --worker-map`.
#include "worker_map.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
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

constexpr std::array<std::string_view, 10> kPaletteNames{
    "blue", "orange", "red", "teal", "green", "yellow", "purple", "pink", "brown", "grey"};

// The digits 0 to 9 in 3 × 5 pixels: a row a number, its three low bits the pixels, left first.
constexpr std::array<std::array<std::uint8_t, 5>, 10> kDigits{{{7, 5, 5, 5, 7},
                                                               {2, 6, 2, 2, 7},
                                                               {7, 1, 7, 4, 7},
                                                               {7, 1, 7, 1, 7},
                                                               {5, 5, 7, 1, 1},
                                                               {7, 4, 7, 1, 7},
                                                               {7, 4, 7, 5, 7},
                                                               {7, 1, 1, 1, 1},
                                                               {7, 5, 7, 5, 7},
                                                               {7, 5, 7, 1, 7}}};

// The legend's measures, in units of its scale.
constexpr int kDigitWidth = 3;
constexpr int kDigitHeight = 5;
constexpr int kDigitGap = 1;         // between two digits
constexpr int kSwatch = 5;           // the side of a swatch: as tall as a digit
constexpr int kSwatchGap = 2;        // between a swatch and its number
constexpr int kEntryGap = 4;         // between two entries of a row
constexpr int kRowGap = 2;           // between two rows of entries
constexpr int kFrame = 1;            // the frame's width
constexpr int kPadding = 2;          // between the frame and the entries
constexpr int kMargin = 2;           // between the box and the map's edges
constexpr int kPixelsPerUnit = 200;  // a unit is one pixel up to maps of 399 pixels a side

// The width of an entry in units: its swatch and its number.
int entry_units(const LegendEntry& entry) {
  const int digits = static_cast<int>(std::to_string(entry.number).size());
  return kSwatch + kSwatchGap + digits * (kDigitWidth + kDigitGap) - kDigitGap;
}

// The legend's layout at `scale`, when it fits.
std::optional<LegendLayout> layout_at(int width, int height,
                                      const std::vector<LegendEntry>& entries, int scale) {
  constexpr int kInset = kFrame + kPadding;
  const int margin = kMargin * scale;
  // The box stays right of the middle column, so every band shows on the left.
  const int most_width = width - margin - width / 2;
  const int most_units = most_width / scale - 2 * kInset;
  // Each entry's place in units from the first entry's top left corner, filling rows greedily.
  std::vector<std::array<int, 2>> places;
  int rows = 0;
  int row_units = 0;
  int widest = 0;
  for (const LegendEntry& entry : entries) {
    const int units = entry_units(entry);
    if (units > most_units) {
      return std::nullopt;
    }
    if (rows == 0 || row_units + kEntryGap + units > most_units) {
      ++rows;
      row_units = 0;
    } else {
      row_units += kEntryGap;
    }
    places.push_back({row_units, (rows - 1) * (kDigitHeight + kRowGap)});
    row_units += units;
    widest = std::max(widest, row_units);
  }
  LegendLayout layout;
  layout.scale = scale;
  layout.swatch = kSwatch * scale;
  layout.width = (widest + 2 * kInset) * scale;
  layout.height = (rows * (kDigitHeight + kRowGap) - kRowGap + 2 * kInset) * scale;
  if (rows == 0 || layout.height > height - 2 * margin) {
    return std::nullopt;
  }
  layout.x = width - margin - layout.width;
  layout.y = margin;
  for (const auto& [x, y] : places) {
    const int left = layout.x + (kInset + x) * scale;
    const int top = layout.y + (kInset + y) * scale;
    layout.swatches.push_back({left, top});
    layout.numbers.push_back({left + (kSwatch + kSwatchGap) * scale, top});
  }
  return layout;
}

// Fills the rectangle of `map` at (x, y), `width` × `height` pixels, with `colour`.
void fill_rect(Image& map, int x, int y, int width, int height, const Rgb8& colour) {
  for (int row = y; row < y + height; ++row) {
    const std::span<std::uint8_t> pixels = map.rows(row, row + 1);
    for (int column = x; column < x + width; ++column) {
      const auto at = static_cast<std::size_t>(column) * 3;
      pixels[at] = colour[0];
      pixels[at + 1] = colour[1];
      pixels[at + 2] = colour[2];
    }
  }
}

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

std::string_view colour_name(int worker) {
  if (worker >= 0 && worker < static_cast<int>(kPaletteNames.size())) {
    return kPaletteNames[static_cast<std::size_t>(worker)];
  }
  return "";
}

std::vector<LegendEntry> legend_of(const std::vector<Band>& bands,
                                   const std::vector<int>& band_worker, int first_number) {
  std::vector<LegendEntry> entries;
  for (std::size_t i = 0; i < bands.size() && i < band_worker.size(); ++i) {
    const int worker = band_worker[i];
    if (worker < 0) {
      continue;
    }
    if (static_cast<std::size_t>(worker) >= entries.size()) {
      entries.resize(static_cast<std::size_t>(worker) + 1);
    }
    LegendEntry& entry = entries[static_cast<std::size_t>(worker)];
    entry.worker = worker;
    entry.number = worker + first_number;
    ++entry.bands;
    entry.rows += bands[i].y1 - bands[i].y0;
  }
  // A worker numbered but with no band in the end (its bands rendered again by others) is left
  // out: it has no colour on the map.
  std::erase_if(entries, [](const LegendEntry& entry) { return entry.bands == 0; });
  return entries;
}

std::vector<LegendEntry> legend_of(const schedulers::RenderStats& stats) {
  const bool ranks =
      schedulers::scheduler_named(stats.scheduler).workers == schedulers::Workers::ranks;
  return legend_of(stats.band_list, stats.band_worker, ranks ? 0 : 1);
}

std::string legend_line(const LegendEntry& entry, std::string_view worker_word) {
  const Rgb8 colour = worker_colour(entry.worker);
  char hex[8];
  std::snprintf(hex, sizeof hex, "#%02x%02x%02x", colour[0], colour[1], colour[2]);
  std::string line(worker_word);
  line.append(" ").append(std::to_string(entry.number)).append(": ");
  if (const std::string_view name = colour_name(entry.worker); !name.empty()) {
    line.append(name).append(" ");
  }
  line.append(hex)
      .append(", ")
      .append(std::to_string(entry.bands))
      .append(entry.bands == 1 ? " band, " : " bands, ")
      .append(std::to_string(entry.rows))
      .append(entry.rows == 1 ? " row" : " rows");
  return line;
}

std::optional<LegendLayout> legend_layout(int width, int height,
                                          const std::vector<LegendEntry>& entries) {
  if (entries.empty()) {
    return std::nullopt;
  }
  for (int scale = std::max(1, std::min(width, height) / kPixelsPerUnit); scale >= 1; --scale) {
    if (std::optional<LegendLayout> layout = layout_at(width, height, entries, scale)) {
      return layout;
    }
  }
  return std::nullopt;
}

bool draw_legend(Image& map, const std::vector<LegendEntry>& entries) {
  const std::optional<LegendLayout> layout = legend_layout(map.width(), map.height(), entries);
  if (!layout) {
    return false;
  }
  const int scale = layout->scale;
  const int frame = kFrame * scale;
  fill_rect(map, layout->x, layout->y, layout->width, layout->height, kLegendFrame);
  fill_rect(map, layout->x + frame, layout->y + frame, layout->width - 2 * frame,
            layout->height - 2 * frame, kLegendPaper);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto [swatch_x, swatch_y] = layout->swatches[i];
    fill_rect(map, swatch_x, swatch_y, layout->swatch, layout->swatch,
              worker_colour(entries[i].worker));
    auto [x, y] = layout->numbers[i];
    for (const char digit : std::to_string(entries[i].number)) {
      const auto& glyph = kDigits[static_cast<std::size_t>(digit - '0')];
      for (int row = 0; row < kDigitHeight; ++row) {
        for (int column = 0; column < kDigitWidth; ++column) {
          if (((glyph[static_cast<std::size_t>(row)] >> (kDigitWidth - 1 - column)) & 1) != 0) {
            fill_rect(map, x + column * scale, y + row * scale, scale, scale, kLegendInk);
          }
        }
      }
      x += (kDigitWidth + kDigitGap) * scale;
    }
  }
  return true;
}

}  // namespace pygmy::app
