// The worker map: each band in its worker's colour below a darker first row, and colours that
// tell workers apart.
#include "worker_map.hpp"

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

}  // namespace
}  // namespace pygmy::app
