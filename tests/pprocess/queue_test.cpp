// Queue: results in arrival order, continuous producers and failures in their place.
#include "pprocess/queue.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "fork_test.hpp"
#include "pprocess/parallel.hpp"
#include "raw_frames.hpp"

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

/// A one-way signal between sibling processes: a pipe, made before they are forked.
class Baton {
 public:
  Baton() {
    if (::pipe(ends_) != 0) throw std::runtime_error("pipe");
  }
  Baton(const Baton&) = delete;
  Baton& operator=(const Baton&) = delete;
  ~Baton() {
    ::close(ends_[0]);
    ::close(ends_[1]);
  }
  void pass() const { static_cast<void>(::write(ends_[1], "!", 1)); }
  void await() const {
    char byte = 0;
    static_cast<void>(::read(ends_[0], &byte, 1));
  }

 private:
  int ends_[2] = {-1, -1};
};

TEST_F(QueueTest, ResultsComeInArrivalOrder) {
  // Task 1 delivers first; task 2 only once task 1's result has been received, task 0 only once
  // task 2's has: the order of arrival is 1, 2, 0 however slow the machine.
  const Baton after_1;
  const Baton after_2;
  Queue<int> queue({.limit = 3});
  auto task = [&](Channel& c, int index) {
    if (index == 2) after_1.await();
    if (index == 0) after_2.await();
    c.send(index);  // returns once the queue has received it
    if (index == 1) after_1.pass();
    if (index == 2) after_2.pass();
  };
  for (int index = 0; index < 3; ++index) queue.start(task, index);
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

TEST_F(QueueTest, BytesThatAreNoValueAreAProtocolErrorInTheirPlaceAndTheQueueGoesOn) {
  Queue<int> queue({.limit = 2});
  queue.start([](Channel& c) {
    testing::write_raw(c, "this is no frame at all", 23);
    ::pause();  // it must be ended, not waited for
  });
  for (int i = 0; i < 3; ++i) queue.start([](Channel& c, int x) { c.send(x); }, i);
  std::vector<int> got;
  int protocol_errors = 0;
  for (;;) {
    try {
      std::optional<int> next = queue.next();
      if (!next) break;
      got.push_back(*next);
    } catch (const ProtocolError&) {
      ++protocol_errors;
    }
  }
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(protocol_errors, 1);
}

TEST_F(QueueTest, OnceTheLastResultIsTakenEveryProcessIsReapedWhileTheQueueLives) {
  Queue<int> queue({.limit = 2});
  auto task = queue.manage(MakeParallel([](int x) { return x; }));
  for (int i = 0; i < 5; ++i) task(i);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(queue.next().has_value());
  EXPECT_EQ(queue.active(), 0U);
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "a process waits for finish()";
  EXPECT_EQ(errno, ECHILD);
}

}  // namespace
}  // namespace pprocess
