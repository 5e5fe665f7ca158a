// A picture of who rendered what: each band of an image in the colour of the worker that
// rendered it, with a legend, for `pygmy render --worker-map`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pygmy/image.hpp"
#include "pygmy/render.hpp"
#include "pygmy/schedulers.hpp"

namespace pygmy::app {

// An 8-bit RGB colour.
using Rgb8 = std::array<std::uint8_t, 3>;

// The colour of worker `worker` (0, 1, ...): the ten colours of the Tableau 10 palette, chosen to
// be told apart, then colours spread round the hue circle by the golden angle, so that workers
// numbered one after another differ clearly. The first 64 are all distinct; each has a channel
// of at least 156, so none is ever the border_colour() of another.
//   Rgb8 first = worker_colour(0);  // {0x4e, 0x79, 0xa7}, a blue
[[nodiscard]] Rgb8 worker_colour(int worker);

// The line drawn on the first row of a band: its worker's colour at 40%, every channel at most
// 102.
//   Rgb8 line = border_colour(worker_colour(0));
[[nodiscard]] Rgb8 border_colour(const Rgb8& colour);

// A width × height picture of which worker rendered which band: band i filled with
// worker_colour(band_worker[i]), its first row in that colour's border_colour(), so that bands
// of one worker stay apart (a band of a single row has no such line: it would hide its colour).
// `bands` and `band_worker` are what a render reports (RenderStats); rows outside every band stay
// black. Throws std::invalid_argument when the two differ in length or a band lies outside the
// picture.
//   const Rendered result = render(scene, {.scheduler = "pool", .processes = 2});
//   Image map = worker_map(scene.width, scene.height,
//                          split_rows(scene.height, result.stats.band_rows),
//                          result.stats.band_worker);
[[nodiscard]] Image worker_map(int width, int height, const std::vector<Band>& bands,
                               const std::vector<int>& band_worker);

// The name of worker_colour(worker) for the first ten ("blue", "orange", "red", "teal", "green",
// "yellow", "purple", "pink", "brown", "grey"); empty for the others, known by their hex code.
//   std::string_view blue = colour_name(0);
[[nodiscard]] std::string_view colour_name(int worker);

// One worker in a worker map's legend.
struct LegendEntry {
  int worker = 0;         // as band_worker numbers it: worker_colour(worker) is its colour
  int number = 0;         // as shown: from 1 for processes and threads, the rank for MPI
  std::size_t bands = 0;  // bands it rendered
  int rows = 0;           // rows of those bands
};

// The legend of a map of `bands` rendered by `band_worker` (as worker_map takes them): an entry
// for each worker that rendered a band, in the order of their numbers, worker w shown as
// w + first_number.
//   std::vector<LegendEntry> legend = legend_of(split_rows(10, 5), {0, 1}, 1);  // 1 and 2
[[nodiscard]] std::vector<LegendEntry> legend_of(const std::vector<Band>& bands,
                                                 const std::vector<int>& band_worker,
                                                 int first_number);

// The legend of the map of a render that `stats` describe: processes and threads numbered from
// 1, MPI ranks by their rank.
//   std::vector<LegendEntry> legend = legend_of(rendered.stats);
[[nodiscard]] std::vector<LegendEntry> legend_of(const schedulers::RenderStats& stats);

// A legend entry as a line of text: "worker 1: blue #4e79a7, 6 bands, 120 rows".
//   std::string line = legend_line(entry, "worker");
[[nodiscard]] std::string legend_line(const LegendEntry& entry, std::string_view worker_word);

// Where draw_legend puts a legend: a white box with a grey frame in the top right corner of the
// map, holding for each entry a square swatch of its colour followed by its number in digits of
// a 3 × 5 bitmap font, the entries in rows. Everything is drawn in units of `scale` pixels, larger
// for larger maps. The box never reaches the left half of the map, where every band still shows.
struct LegendLayout {
  int x = 0;       // the box's left column
  int y = 0;       // the box's top row
  int width = 0;   // pixels
  int height = 0;  // pixels
  int scale = 1;   // pixels per unit of the font
  int swatch = 0;  // the side of each swatch, in pixels
  // The top left corner of each entry's swatch, in the legend's order: {x, y}.
  std::vector<std::array<int, 2>> swatches;
  // The top left corner of each entry's first digit: {x, y}.
  std::vector<std::array<int, 2>> numbers;
};

// The layout of `entries`' legend on a width × height map; nullopt when it does not fit the
// top right of the map, even at a scale of 1 (a legend is left out rather than hide bands).
//   std::optional<LegendLayout> layout = legend_layout(600, 400, legend_of(stats));
[[nodiscard]] std::optional<LegendLayout> legend_layout(int width, int height,
                                                        const std::vector<LegendEntry>& entries);

// Draws `entries`' legend into `map` as legend_layout places it; whether it fit.
//   draw_legend(map, legend_of(rendered.stats));
bool draw_legend(Image& map, const std::vector<LegendEntry>& entries);

// The colour of a legend's frame, and of its background and digits.
inline constexpr Rgb8 kLegendFrame{0x40, 0x40, 0x40};
inline constexpr Rgb8 kLegendPaper{0xff, 0xff, 0xff};
inline constexpr Rgb8 kLegendInk{0x00, 0x00, 0x00};

}  // namespace pygmy::app
