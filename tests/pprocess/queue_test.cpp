// Queue: results in arrival order, continuous producers and failures in their place.
#include "pprocess/queue.hpp"

#include <signal.h>
#include <unistd.h>

#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "fork_test.hpp"
#include "pprocess/parallel.hpp"

namespace pprocess {
namespace {

using testing::now_ns;

class QueueTest : public testing::ForkTest {};

/// One value of a continuous producer.
struct Item {
  int producer = 0;
  int sequence = 0;
  long long at = 0;
  template <class Archive>
  void serialize(Archive& archive) {
    archive(producer, sequence, at);
  }
};

TEST_F(QueueTest, ResultsComeInArrivalOrder) {
  Queue<int> queue({.limit = 3});
  auto task = queue.manage(MakeParallel([](int index, int delay_ms) {
    ::usleep(static_cast<useconds_t>(delay_ms) * 1000);
    return index;
  }));
  task(0, 300);
  task(1, 100);
  task(2, 200);
  std::vector<int> order(queue.begin(), queue.end());
  EXPECT_EQ(order, (std::vector<int>{1, 2, 0}));
}

TEST_F(QueueTest, ContinuousProducersKeepTheirOrderAndAFreedSlotIsRefilledAtOnce) {
  Queue<Item> queue({.limit = 2, .continuous = true});
  auto produce = [](Channel& c, int producer, int count) {
    for (int i = 0; i < count; ++i) {
      ::usleep(40'000);
      c.send(Item{producer, i, now_ns()});
    }
  };
  queue.start(produce, 0, 2);   // short
  queue.start(produce, 1, 12);  // long: still running when 0 ends
  queue.start(produce, 2, 2);
  queue.start(produce, 3, 2);
  std::map<int, std::vector<Item>> by_producer;
  for (const Item& item : queue) by_producer[item.producer].push_back(item);
  ASSERT_EQ(by_producer.size(), 4U);
  for (const auto& [producer, items] : by_producer) {
    for (std::size_t i = 0; i < items.size(); ++i)
      EXPECT_EQ(items[i].sequence, static_cast<int>(i));
  }
  // Producer 2 took producer 0's slot while producer 1 was still at work, at once: its first
  // item (40 ms of work) follows producer 0's last by far less than one of producer 1's items.
  EXPECT_LT(by_producer[2].front().at, by_producer[1].back().at);
  EXPECT_LT(by_producer[3].front().at, by_producer[1].back().at);
  EXPECT_LT(by_producer[2].front().at - by_producer[0].back().at, 200'000'000LL);
}

TEST_F(QueueTest, AFailureIsThrownInItsPlaceAndTheQueueGoesOn) {
  Queue<int> queue({.limit = 2});
  auto task = queue.manage(MakeParallel([](int x) {
    if (x == 1) ::raise(SIGKILL);
    return x;
  }));
  for (int i = 0; i < 4; ++i) task(i);
  std::vector<int> got;
  int failures = 0;
  for (;;) {
    try {
      std::optional<int> next = queue.next();
      if (!next) break;
      got.push_back(*next);
    } catch (const ProcessDied& e) {
      EXPECT_EQ(e.signal(), SIGKILL);
      ++failures;
    }
  }
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<int>{0, 2, 3}));
  EXPECT_EQ(failures, 1);
}

TEST_F(QueueTest, SizeCountsResultsReadyToTake) {
  Queue<int> queue({.limit = 2});
  queue.start(MakeParallel([] { return 1; }));
  queue.start(MakeParallel([] { return 2; }));
  while (queue.unfinished()) queue.store();
  EXPECT_EQ(queue.size(), 2U);
  EXPECT_TRUE(queue.next());
  EXPECT_EQ(queue.size(), 1U);
}

}  // namespace
}  // namespace pprocess
