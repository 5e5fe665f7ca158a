// What rows of an image cost to render, estimated cheaply before rendering, so that bands can be
// planned: the dearest handed out first, the last ones short.
#pragma once

#include <span>
#include <vector>

#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"

namespace pygmy {

// Rows and pixels between the samples of a cost estimate: one pixel in 16 × 16 is traced, about
// 0.4% of a render's work.
//   std::vector<double> costs = row_costs(scene, kCostSampleStep);
inline constexpr int kCostSampleStep = 16;

// How much a segment's own work (its terms, the shading and draws it leads to) weighs in a cost,
// counted in segment tests: fitted to the time rows of the built-in and the showcase scenes take
// with the AVX2 kernel (about 23 ns a segment beside 0.8 ns a test, docs/benchmarks.md).
//   double cost = double(done.segment_tests) + kSegmentCost * double(done.segments);
inline constexpr double kSegmentCost = 24.0;

// A cost estimate: a relative cost for each row and what making the estimate took.
//   RowCostEstimate estimate = estimate_row_costs(scene);
//   double share = double(estimate.spent.pixels) / (scene.width * scene.height);
struct RowCostEstimate {
  std::vector<double> rows{};  // per row: segment tests + kSegmentCost × segments, per pixel
  RenderCounters spent{};      // the pixels traced for it and their segments and tests
};

// Estimates what each row of `scene` costs to render by tracing one pixel in every
// `sample_step` × `sample_step` square (the one at its centre), counting segments and their
// tests; rows between sampled rows are interpolated linearly, rows before the first or after the
// last take its cost. Costs are relative (in segment tests per pixel) and positive; no image is
// touched and the result is the same on every call and every machine. Throws
// std::invalid_argument unless sample_step ≥ 1, and as rendering does for a scene it cannot
// render.
//   RowCostEstimate estimate = estimate_row_costs(scene, 16);
//   double top = estimate.rows.front();
[[nodiscard]] RowCostEstimate estimate_row_costs(const Scene& scene,
                                                 int sample_step = kCostSampleStep);

// The rows of estimate_row_costs(): one relative cost per row of the image.
//   std::vector<double> costs = row_costs(scene);
//   bool bottom_dearer = costs.back() > costs.front();
[[nodiscard]] std::vector<double> row_costs(const Scene& scene, int sample_step = kCostSampleStep);

// The cost of each band: the sum of its rows' costs. Throws std::invalid_argument for a band
// outside the rows.
//   std::vector<double> costs = band_costs(row_costs(scene), split_rows(scene.height, 16));
//   auto dearest = std::max_element(costs.begin(), costs.end());
[[nodiscard]] std::vector<double> band_costs(std::span<const double> row_costs,
                                             std::span<const Band> bands);

}  // namespace pygmy
