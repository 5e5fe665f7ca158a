// A picture of who rendered what: each band of an image in the colour of the worker that
// rendered it, for `pygmy render --worker-map`.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "pygmy/image.hpp"
#include "pygmy/render.hpp"

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

}  // namespace pygmy::app
