// Tests of the in-memory RGB8 image and its row access.
#include "pygmy/image.hpp"

#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace pygmy {
namespace {

TEST(ImageTest, NewImageIsBlack) {
  const Image image{4, 2};
  EXPECT_EQ(std::vector<std::uint8_t>(image.pixels().begin(), image.pixels().end()),
            std::vector<std::uint8_t>(24, 0));
  EXPECT_EQ(image.row_bytes(), 12U);
}

TEST(ImageTest, SizesMustBePositive) {
  EXPECT_THROW(Image(0, 2), std::invalid_argument);
  EXPECT_THROW(Image(2, -1), std::invalid_argument);
}

TEST(ImageTest, ConstructorRejectsTheWrongNumberOfBytes) {
  EXPECT_THROW(Image(2, 2, std::vector<std::uint8_t>(11)), std::invalid_argument);
}

TEST(ImageTest, SetRowsCopiesWholeRowsIntoPlace) {
  Image image{2, 3};
  const std::vector<std::uint8_t> rows{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  image.set_rows(1, rows);
  EXPECT_EQ(image.row(0)[0], 0);
  EXPECT_EQ(std::vector<std::uint8_t>(image.row(1).begin(), image.row(1).end()),
            (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(image.row(2)[5], 12);
}

TEST(ImageTest, SetRowsRejectsPartialRows) {
  Image image{2, 3};
  EXPECT_THROW(image.set_rows(0, std::vector<std::uint8_t>(5)), std::invalid_argument);
}

TEST(ImageTest, SetRowsRejectsRowsPastTheBottom) {
  Image image{2, 3};
  EXPECT_THROW(image.set_rows(2, std::vector<std::uint8_t>(12)), std::out_of_range);
  EXPECT_THROW(image.set_rows(-1, std::vector<std::uint8_t>(6)), std::out_of_range);
}

TEST(ImageTest, RowOutsideTheImageThrows) {
  const Image image{2, 3};
  EXPECT_THROW(static_cast<void>(image.row(3)), std::out_of_range);
  EXPECT_THROW(static_cast<void>(image.row(-1)), std::out_of_range);
}

TEST(ImageTest, RowsGivesWritableAccessToABand) {
  Image image{1, 3};
  std::span<std::uint8_t> band = image.rows(1, 3);
  ASSERT_EQ(band.size(), 6U);
  band[0] = 200;
  EXPECT_EQ(image.row(1)[0], 200);
  EXPECT_THROW(static_cast<void>(image.rows(2, 4)), std::out_of_range);
}

TEST(ImageTest, EqualityComparesSizeAndPixels) {
  EXPECT_EQ(Image(2, 3), Image(2, 3));
  EXPECT_NE(Image(2, 3), Image(3, 2));
  Image changed{2, 3};
  changed.set_rows(0, std::vector<std::uint8_t>(6, 1));
  EXPECT_NE(changed, Image(2, 3));
}

}  // namespace
}  // namespace pygmy
