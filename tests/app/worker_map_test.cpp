// The worker map: each band in its worker's colour below a darker first row, and colours that
// tell workers apart.
#include "worker_map.hpp"

#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace pygmy::app {
namespace {

// The colour of pixel (x, y) of `image`.
Rgb8 pixel(const Image& image, int x, int y) {
  const auto row = image.row(y);
  const auto at = static_cast<std::size_t>(x) * 3;
  return {row[at], row[at + 1], row[at + 2]};
}

// Whether every pixel of row y of `image` is `colour`.
bool row_is(const Image& image, int y, const Rgb8& colour) {
  for (int x = 0; x < image.width(); ++x) {
    if (pixel(image, x, y) != colour) {
      return false;
    }
  }
  return true;
}

TEST(WorkerMapTest, EachBandHasItsWorkersColourBelowADarkerFirstRow) {
  // Bands [0,3) [3,6) [6,9) [9,10), rendered by workers 0, 1, 0, 1.
  const std::vector<Band> bands = split_rows(10, 3);
  const Image map = worker_map(4, 10, bands, {0, 1, 0, 1});
  ASSERT_EQ(map.width(), 4);
  ASSERT_EQ(map.height(), 10);
  const Rgb8 first = worker_colour(0);
  const Rgb8 second = worker_colour(1);
  const std::vector<Rgb8> expected{border_colour(first),
                                   first,
                                   first,
                                   border_colour(second),
                                   second,
                                   second,
                                   border_colour(first),
                                   first,
                                   first,
                                   second};  // a one-row band is all fill
  for (int y = 0; y < 10; ++y) {
    EXPECT_TRUE(row_is(map, y, expected[static_cast<std::size_t>(y)])) << "row " << y;
  }
}

TEST(WorkerMapTest, AMapHasAsManyFillColoursAsWorkers) {
  const std::vector<Band> bands = split_rows(40, 4);
  for (const std::vector<int>& workers : {std::vector<int>{0, 1, 1, 0, 0, 1, 0, 1, 1, 1},
                                          std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
    const Image map = worker_map(3, 40, bands, workers);
    std::set<Rgb8> fills;
    std::set<Rgb8> borders;
    for (const Band& band : bands) {
      borders.insert(pixel(map, 0, band.y0));
      for (int y = band.y0 + 1; y < band.y1; ++y) {
        fills.insert(pixel(map, 0, y));
      }
    }
    const std::set<int> distinct(workers.begin(), workers.end());
    EXPECT_EQ(fills.size(), distinct.size());
    EXPECT_EQ(borders.size(), distinct.size());
    for (const Rgb8& border : borders) {
      EXPECT_EQ(fills.count(border), 0U) << "a border is also a fill colour";
    }
  }
}

TEST(WorkerMapTest, TheFirst64WorkerColoursAreDistinctAndNoneIsABorder) {
  std::set<Rgb8> colours;
  std::set<Rgb8> borders;
  for (int worker = 0; worker < 64; ++worker) {
    colours.insert(worker_colour(worker));
    borders.insert(border_colour(worker_colour(worker)));
  }
  EXPECT_EQ(colours.size(), 64U);
  for (const Rgb8& border : borders) {
    EXPECT_EQ(colours.count(border), 0U);
  }
}

TEST(WorkerMapTest, BandsAndWorkersOfDifferentCountsOrBandsOutsideThePictureAreRefused) {
  EXPECT_THROW(static_cast<void>(worker_map(4, 10, split_rows(10, 5), {0})), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(worker_map(4, 10, split_rows(12, 6), {0, 1})),
               std::invalid_argument);
}

TEST(WorkerMapTest, TheLegendCountsEachWorkersBandsAndRowsAndNamesItsColour) {
  // Bands [0,3) [3,6) [6,9) [9,10), rendered by workers 1, 0, 1, 1.
  const std::vector<LegendEntry> legend = legend_of(split_rows(10, 3), {1, 0, 1, 1}, 1);
  ASSERT_EQ(legend.size(), 2U);
  EXPECT_EQ(legend[0].worker, 0);
  EXPECT_EQ(legend[0].number, 1);
  EXPECT_EQ(legend[0].bands, 1U);
  EXPECT_EQ(legend[0].rows, 3);
  EXPECT_EQ(legend[1].number, 2);
  EXPECT_EQ(legend[1].bands, 3U);
  EXPECT_EQ(legend[1].rows, 7);
  EXPECT_EQ(legend_line(legend[0], "worker"), "worker 1: blue #4e79a7, 1 band, 3 rows");
  EXPECT_EQ(legend_line(legend[1], "worker"), "worker 2: orange #f28e2b, 3 bands, 7 rows");
  // MPI ranks keep their own numbers; a colour past the named ten is known by its code alone.
  const std::vector<LegendEntry> ranks = legend_of(split_rows(2, 1), {0, 12}, 0);
  ASSERT_EQ(ranks.size(), 2U);
  EXPECT_EQ(legend_line(ranks[0], "rank"), "rank 0: blue #4e79a7, 1 band, 1 row");
  EXPECT_EQ(legend_line(ranks[1], "rank").rfind("rank 12: #", 0), 0U)
      << legend_line(ranks[1], "rank");
}

TEST(WorkerMapTest, TheLegendIsDrawnTopRightWithASwatchAndNumberPerWorker) {
  const std::vector<Band> bands = split_rows(100, 25);
  const std::vector<int> workers{0, 1, 2, 1};
  const Image plain = worker_map(200, 100, bands, workers);
  Image map = plain;
  const std::vector<LegendEntry> legend = legend_of(bands, workers, 1);
  ASSERT_TRUE(draw_legend(map, legend));
  const std::optional<LegendLayout> layout = legend_layout(200, 100, legend);
  ASSERT_TRUE(layout);
  // In the top right corner, within the right half.
  EXPECT_GE(layout->x, 100);
  EXPECT_LE(layout->x + layout->width, 200);
  EXPECT_LE(layout->y + layout->height, 100);
  EXPECT_EQ(pixel(map, layout->x, layout->y), kLegendFrame);
  EXPECT_EQ(pixel(map, layout->x + layout->width - 1, layout->y + layout->height - 1),
            kLegendFrame);
  ASSERT_EQ(layout->swatches.size(), 3U);
  for (std::size_t i = 0; i < legend.size(); ++i) {
    const auto [x, y] = layout->swatches[i];
    const Rgb8 colour = worker_colour(legend[i].worker);
    EXPECT_EQ(pixel(map, x, y), colour) << "swatch " << i;
    EXPECT_EQ(pixel(map, x + layout->swatch - 1, y + layout->swatch - 1), colour) << "swatch " << i;
    // Each number is one digit: 1 (a pixel at the top middle, none at its top left), 2 or 3
    // (a full top row).
    const auto [digit_x, digit_y] = layout->numbers[i];
    const int unit = layout->scale;
    EXPECT_EQ(pixel(map, digit_x + unit, digit_y), kLegendInk) << "number " << legend[i].number;
    EXPECT_EQ(pixel(map, digit_x, digit_y), legend[i].number == 1 ? kLegendPaper : kLegendInk)
        << "number " << legend[i].number;
  }
  // Everything outside the box is the map as it was.
  for (int y = 0; y < 100; ++y) {
    for (int x = 0; x < 200; ++x) {
      const bool inside = x >= layout->x && x < layout->x + layout->width && y >= layout->y &&
                          y < layout->y + layout->height;
      if (!inside) {
        ASSERT_EQ(pixel(map, x, y), pixel(plain, x, y)) << x << "," << y;
      }
    }
  }
}

TEST(WorkerMapTest, TheLegendGrowsWithTheMapAndIsLeftOutWhereItDoesNotFit) {
  const std::vector<LegendEntry> two = legend_of(split_rows(2, 1), {0, 1}, 1);
  EXPECT_EQ(legend_layout(200, 100, two)->scale, 1);
  EXPECT_EQ(legend_layout(1200, 800, two)->scale, 4);
  // Too narrow for a swatch and a digit in its right half, or too low for a row of them.
  EXPECT_FALSE(legend_layout(20, 100, two));
  EXPECT_FALSE(legend_layout(200, 8, two));
  Image small = worker_map(20, 8, split_rows(8, 4), {0, 1});
  const Image before = small;
  EXPECT_FALSE(draw_legend(small, two));
  EXPECT_TRUE(small == before);
  // Many workers wrap into rows, all still in the right half.
  std::vector<int> many(64);
  for (int i = 0; i < 64; ++i) many[static_cast<std::size_t>(i)] = i;
  const std::optional<LegendLayout> rows =
      legend_layout(600, 400, legend_of(split_rows(64, 1), many, 1));
  ASSERT_TRUE(rows);
  EXPECT_GE(rows->x, 300);
  EXPECT_GT(rows->swatches.back()[1], rows->swatches.front()[1]);
}

}  // namespace
}  // namespace pygmy::app
