// Tests of the cost estimate: where the work is, that it is cheap, and that it is repeatable.
#include "pygmy/band_cost.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace pygmy {
namespace {

// The built-in scene's camera and lights with `balls` small balls spread over the bottom half
// of the picture and nothing above.
Scene bottom_heavy_scene(int balls) {
  Scene scene = builtin_scene();
  scene.width = 120;
  scene.height = 80;
  scene.objects.clear();
  for (int i = 0; i < balls; ++i) {
    const double x = -12 + 24.0 * (i % 10) / 9;
    const double y = -2 - 8.0 * (i / 10) / 4;
    scene.objects.push_back(Object{Sphere{Point3{x, y, 40}, 1.2}, 0});
  }
  return scene;
}

double mean(std::vector<double>::const_iterator first, std::vector<double>::const_iterator last) {
  return std::accumulate(first, last, 0.0) / static_cast<double>(last - first);
}

TEST(BandCostTest, RowsShowingManyObjectsCostMoreThanRowsShowingNone) {
  const Scene scene = bottom_heavy_scene(50);
  const std::vector<double> costs = row_costs(scene, 4);
  ASSERT_EQ(costs.size(), 80U);
  const double top = mean(costs.begin(), costs.begin() + 40);
  const double bottom = mean(costs.begin() + 40, costs.end());
  EXPECT_GT(bottom, 3 * top);
}

TEST(BandCostTest, EveryRowHasAPositiveCostEvenWithNothingInSight) {
  Scene scene = builtin_scene();
  scene.objects.clear();
  const std::vector<double> costs = row_costs(scene);
  ASSERT_EQ(costs.size(), static_cast<std::size_t>(scene.height));
  EXPECT_TRUE(std::all_of(costs.begin(), costs.end(), [](double cost) { return cost > 0; }));
  EXPECT_GT(std::accumulate(costs.begin(), costs.end(), 0.0), 0);
}

TEST(BandCostTest, TheEstimateIsTheSameOnEveryCall) {
  const Scene scene = builtin_scene();
  const RowCostEstimate first = estimate_row_costs(scene, 8);
  const RowCostEstimate second = estimate_row_costs(scene, 8);
  EXPECT_EQ(first.rows, second.rows);
  EXPECT_EQ(first.spent, second.spent);
}

TEST(BandCostTest, TheEstimateTakesUnderOnePercentOfTheTestsOfARender) {
  for (const Scene& scene : {builtin_scene(), bottom_heavy_scene(50)}) {
    Image image(scene.width, scene.height);
    const RenderCounters render =
        render_band_into(scene, 0, scene.height, image.rows(0, scene.height), best_kernel());
    const RowCostEstimate estimate = estimate_row_costs(scene);
    EXPECT_GT(estimate.spent.segment_tests, 0U);
    EXPECT_LT(static_cast<double>(estimate.spent.segment_tests),
              0.01 * static_cast<double>(render.segment_tests));
    EXPECT_LT(static_cast<double>(estimate.spent.pixels),
              0.01 * static_cast<double>(render.pixels));
  }
}

TEST(BandCostTest, RowsBetweenSampledRowsLieBetweenTheirCosts) {
  const Scene scene = bottom_heavy_scene(50);
  const std::vector<double> costs = row_costs(scene, 8);
  // Rows 4, 12, 20, ... are sampled; the rows between them are interpolated.
  for (std::size_t sampled = 4; sampled + 8 < costs.size(); sampled += 8) {
    const double low = std::min(costs[sampled], costs[sampled + 8]);
    const double high = std::max(costs[sampled], costs[sampled + 8]);
    for (std::size_t y = sampled + 1; y < sampled + 8; ++y) {
      EXPECT_GE(costs[y], low) << "row " << y;
      EXPECT_LE(costs[y], high) << "row " << y;
    }
  }
  // Rows above the first sampled row and below the last take their costs.
  EXPECT_EQ(costs[0], costs[4]);
  EXPECT_EQ(costs[79], costs[76]);
}

TEST(BandCostTest, AnImageShorterThanHalfAStepIsSampledInItsMiddle) {
  const Scene scene = with_size(builtin_scene(), 300, 3);
  const RowCostEstimate estimate = estimate_row_costs(scene, 16);
  EXPECT_EQ(estimate.rows.size(), 3U);
  EXPECT_EQ(estimate.spent.pixels, 19U);  // columns 8, 24, ..., 296 of row 1
  EXPECT_EQ(estimate.rows[0], estimate.rows[2]);
}

TEST(BandCostTest, BandCostsSumTheirRows) {
  const std::vector<double> rows{1, 2, 3, 4, 5};
  const std::vector<Band> bands{{0, 2}, {2, 5}, {5, 5}};
  EXPECT_EQ(band_costs(rows, bands), (std::vector<double>{3, 12, 0}));
}

TEST(BandCostTest, BandsOutsideTheRowsAreRejected) {
  const std::vector<double> rows{1, 2, 3};
  EXPECT_THROW(static_cast<void>(band_costs(rows, std::vector<Band>{{0, 4}})),
               std::invalid_argument);
  EXPECT_THROW(static_cast<void>(band_costs(rows, std::vector<Band>{{2, 1}})),
               std::invalid_argument);
}

TEST(BandCostTest, AStepBelowOneIsRejected) {
  EXPECT_THROW(static_cast<void>(row_costs(builtin_scene(), 0)), std::invalid_argument);
}

TEST(BandCostTest, AnObjectWithAMissingShaderIsRejected) {
  Scene scene = builtin_scene();
  scene.objects[0].shader = 9;
  EXPECT_THROW(static_cast<void>(row_costs(scene)), std::invalid_argument);
}

}  // namespace
}  // namespace pygmy
