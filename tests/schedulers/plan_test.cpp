// Bands planned by cost: every row once, the dearest handed out first, shrinking towards the end,
// and the layout that uses them only where a scheduler plans.
#include <numeric>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "pygmy/band_cost.hpp"
#include "pygmy/scene.hpp"
#include "pygmy/schedulers.hpp"

namespace pygmy::schedulers {
namespace {

// Whether `bands` cover rows [0, height) once each, top to bottom, none empty.
void expect_every_row_once(const std::vector<Band>& bands, int height) {
  ASSERT_FALSE(bands.empty());
  EXPECT_EQ(bands.front().y0, 0);
  EXPECT_EQ(bands.back().y1, height);
  for (std::size_t i = 0; i < bands.size(); ++i) {
    EXPECT_LT(bands[i].y0, bands[i].y1) << i;
  }
  for (std::size_t i = 1; i < bands.size(); ++i) {
    EXPECT_EQ(bands[i].y0, bands[i - 1].y1) << i;
  }
}

double cost_of(const std::vector<double>& rows, const Band& band) {
  return std::accumulate(rows.begin() + band.y0, rows.begin() + band.y1, 0.0);
}

TEST(PlanTest, EveryRowIsInOneBandAndTheBandsShrinkTowardsTheEnd) {
  const std::vector<double> even(1000, 1.0);
  const std::vector<Band> bands = planned_bands(even, 2, 1 << 20);
  expect_every_row_once(bands, 1000);
  // Factoring over 64 slices of even cost for 2 workers: 16, 16, 8, 8, 4, 4, 2, 2, 1, 1, 1, 1.
  ASSERT_EQ(bands.size(), 12U);
  for (std::size_t i = 1; i < bands.size(); ++i) {
    EXPECT_LE(bands[i].y1 - bands[i].y0, bands[i - 1].y1 - bands[i - 1].y0 + 1) << i;
  }
  EXPECT_NEAR(bands.front().y1 - bands.front().y0, 250, 1);
  EXPECT_NEAR(bands.back().y1 - bands.back().y0, 1000 / 64.0, 1);
}

TEST(PlanTest, TheDearestBandsComeFirstWhereverTheCostLies) {
  // The bottom quarter costs ten times as much a row: the bands there are thinner, and the cost
  // of the bands handed out still falls from first to last.
  std::vector<double> rows(800, 1.0);
  for (int y = 600; y < 800; ++y) rows[static_cast<std::size_t>(y)] = 10.0;
  const std::vector<Band> bands = planned_bands(rows, 4, 1 << 20);
  expect_every_row_once(bands, 800);
  const double row = 10.0;  // a band's cost may be off by a row's at its ends
  for (std::size_t i = 1; i < bands.size(); ++i) {
    EXPECT_LE(cost_of(rows, bands[i]), cost_of(rows, bands[i - 1]) + 2 * row) << i;
  }
  EXPECT_LT(bands.back().y1 - bands.back().y0, 800 / (4 * kSlicesPerWorker));
}

TEST(PlanTest, FewRowsAndLimitsStillGiveEveryRowOnce) {
  expect_every_row_once(planned_bands({1.0}, 8, 10), 1);
  expect_every_row_once(planned_bands(std::vector<double>(5, 0.0), 2, 10), 5);
  const std::vector<Band> capped = planned_bands(std::vector<double>(1000, 1.0), 1, 7);
  expect_every_row_once(capped, 1000);
  for (const Band& band : capped) EXPECT_LE(band.y1 - band.y0, 7);
  EXPECT_THROW(static_cast<void>(planned_bands({}, 2, 10)), std::invalid_argument);
}

TEST(PlanTest, TheLayoutPlansForSchedulersThatHandBandsOutAndOnlyWithoutBandRows) {
  const Scene scene = with_size(builtin_scene(), 300, 200);
  const Layout pool = layout(scene, {.scheduler = "pool", .processes = 2});
  EXPECT_TRUE(pool.planned);
  EXPECT_EQ(pool.bands, planned_bands(row_costs(scene), 2, most_band_rows(300)));
  EXPECT_FALSE(layout(scene, {.scheduler = "pool", .processes = 2, .band_rows = 10}).planned);
  EXPECT_FALSE(layout(scene, {.scheduler = "pool", .processes = 1}).planned);
  EXPECT_TRUE(layout(scene, {.scheduler = "exchange", .processes = 2}).planned);
  EXPECT_FALSE(layout(scene, {.scheduler = "sequential", .processes = 2}).planned);
  EXPECT_TRUE(layout(scene, {.scheduler = "threads", .processes = 2}).planned);
  // A planned render reports its bands, and its image is the sequential one.
  const Rendered rendered = render(scene, {.scheduler = "pool", .processes = 2});
  EXPECT_TRUE(rendered.stats.planned);
  EXPECT_EQ(rendered.stats.band_list, pool.bands);
  EXPECT_TRUE(rendered.image == render_sequential(scene));
}

}  // namespace
}  // namespace pygmy::schedulers
