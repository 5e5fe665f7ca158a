// Tests of the counter-based random streams that make every band split give the same image.
#include "pygmy/random.hpp"

#include <map>

#include <gtest/gtest.h>

namespace pygmy {
namespace {

TEST(RandomTest, SameSeedPixelAndDrawGiveTheSameNumber) {
  RandomStream a{1, 10, 20};
  RandomStream b{1, 10, 20};
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(a.next(), b.next());
  }
}

TEST(RandomTest, NeighbouringPixelsAndSeedsGiveDifferentStreams) {
  const std::uint64_t first = RandomStream{1, 10, 20}.next();
  EXPECT_NE(first, (RandomStream{1, 11, 20}.next()));
  EXPECT_NE(first, (RandomStream{1, 10, 21}.next()));
  EXPECT_NE(first, (RandomStream{2, 10, 20}.next()));
  EXPECT_NE((RandomStream{1, 20, 10}.next()), first);
}

TEST(RandomTest, SkipLandsOnTheDrawItWouldHaveReached) {
  RandomStream drawn{5, 1, 2};
  for (int i = 0; i < 30; ++i) {
    static_cast<void>(drawn.next());
  }
  RandomStream skipped{5, 1, 2};
  skipped.skip(30);
  EXPECT_EQ(skipped.draws(), 30U);
  EXPECT_EQ(drawn.next(), skipped.next());
}

TEST(RandomTest, UniformIntCoversTheInclusiveRangeEvenly) {
  RandomStream random{1, 0, 0};
  std::map<int, int> counts;
  const int draws = 200000;
  for (int i = 0; i < draws; ++i) {
    ++counts[random.uniform_int(-100, 99)];
  }
  ASSERT_EQ(counts.size(), 200U);
  EXPECT_EQ(counts.begin()->first, -100);
  EXPECT_EQ(counts.rbegin()->first, 99);
  for (const auto& [value, count] : counts) {
    EXPECT_NEAR(count, draws / 200, 200) << value;  // about 6 standard deviations
  }
}

TEST(RandomTest, Mix64IsNotTheIdentity) {
  EXPECT_NE(mix64(1), 1U);
  EXPECT_NE(mix64(1), mix64(2));
}

}  // namespace
}  // namespace pygmy
