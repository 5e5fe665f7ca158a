// MakeParallel and MakeReusable, with and without reuse: a few workers, many tasks, no hangs.
#include "pprocess/parallel.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "fork_test.hpp"
#include "pprocess/map.hpp"

namespace pprocess {
namespace {

class ReuseTest : public testing::ForkTest {};

std::vector<int> range(int n) {
  std::vector<int> values;
  for (int i = 0; i < n; ++i) values.push_back(i);
  return values;
}

std::pair<int, int> square_with_pid(int x) {
  ::usleep(2000);
  return {x * x, static_cast<int>(::getpid())};
}

TEST_F(ReuseTest, TwentyTasksRunOnAtMostThreeWorkersThatAllExitAtTheEnd) {
  auto results = pmap(square_with_pid, range(20), 3, /*reuse=*/true);
  std::set<int> workers;
  int i = 0;
  for (const auto& [square, pid] : results) {
    EXPECT_EQ(square, i * i);
    workers.insert(pid);
    ++i;
  }
  EXPECT_EQ(i, 20);
  EXPECT_LE(workers.size(), 3U);
  results.finish();
  for (int pid : workers) {
    EXPECT_EQ(::kill(pid, 0), -1) << "worker " << pid << " is still alive";
    EXPECT_EQ(errno, ESRCH);
  }
}

TEST_F(ReuseTest, AWorkerKilledMidTaskFailsThatTaskAndTheRestComplete) {
  auto results = pmap(
      [](int x) {
        if (x == 7) ::raise(SIGKILL);
        return x + 1;
      },
      range(20), 3, /*reuse=*/true);
  for (std::size_t i = 0; i < 20; ++i) {
    if (i == 7) {
      EXPECT_THROW(static_cast<void>(results[i]), ProcessDied);
    } else {
      EXPECT_EQ(results[i], static_cast<int>(i) + 1);
    }
  }
}

TEST_F(ReuseTest, LargeArgumentsAndResultsPassThroughABusyWorkerWithoutDeadlock) {
  // Each value is larger than a socket's buffer: a task handed to a worker while it writes its
  // result would leave both sides writing, neither reading.
  std::vector<std::vector<float>> inputs;
  for (int i = 0; i < 6; ++i) inputs.emplace_back(std::size_t{1} << 18, static_cast<float>(i));
  auto results = pmap(
      [](const std::vector<float>& x) {
        std::vector<float> doubled(x);
        for (float& v : doubled) v *= 2;
        return doubled;
      },
      inputs, 1, /*reuse=*/true);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_EQ(results[i].size(), inputs[i].size());
    EXPECT_EQ(results[i].front(), 2.0f * static_cast<float>(i));
    EXPECT_EQ(results[i].back(), 2.0f * static_cast<float>(i));
  }
}

TEST_F(ReuseTest, AReusableWrapperWithoutReuseRunsOneTaskPerProcess) {
  std::vector<int> got;
  Exchange exchange({.limit = 2}, [&](Channel& c) { got.push_back(c.receive<int>()); });
  for (int i = 0; i < 6; ++i) exchange.start(MakeReusable([](int x) { return x * 3; }), i);
  exchange.finish();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<int>{0, 3, 6, 9, 12, 15}));
}

TEST_F(ReuseTest, ReuseWithAPlainParallelWrapperStillGivesEveryResult) {
  std::vector<int> got;
  Exchange exchange({.limit = 2, .reuse = true},
                    [&](Channel& c) { got.push_back(c.receive<int>()); });
  for (int i = 0; i < 6; ++i) exchange.start(MakeParallel([](int x) { return x * 3; }), i);
  exchange.finish();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<int>{0, 3, 6, 9, 12, 15}));
}

TEST_F(ReuseTest, AReusableWorkerOnlyRunsItsOwnCallable) {
  std::vector<std::pair<char, int>> got;
  Exchange exchange({.limit = 1, .reuse = true},
                    [&](Channel& c) { got.push_back(c.receive<std::pair<char, int>>()); });
  auto a = exchange.manage(MakeReusable([](int x) { return std::pair{'a', x}; }));
  auto b = exchange.manage(MakeReusable([](int x) { return std::pair{'b', x}; }));
  a(1);
  b(2);
  a(3);
  exchange.finish();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::pair<char, int>>{{'a', 1}, {'a', 3}, {'b', 2}}));
}

double twice(double x) { return 2 * x; }

TEST_F(ReuseTest, AWorkerIsOnlyHandedArgumentsOfTheTypesItWasStartedWith) {
  std::vector<double> got;
  Exchange exchange({.limit = 1, .reuse = true},
                    [&](Channel& c) { got.push_back(c.receive<double>()); });
  auto calc = exchange.manage(MakeReusable(twice));
  calc(1);     // an int
  calc(2.5f);  // a float: not to be read as an int by the first worker
  calc(4);
  exchange.finish();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<double>{2, 5, 8}));
}

TEST_F(ReuseTest, AHandlerMayRemoveTheChannelItIsGiven) {
  std::vector<int> got;
  Exchange exchange({.limit = 2, .reuse = true}, [&](Channel& c) {
    got.push_back(c.receive<int>());
    exchange.remove(c);
  });
  for (int i = 0; i < 4; ++i) exchange.start(MakeReusable([](int x) { return x; }), i);
  exchange.finish();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3}));
}

TEST_F(ReuseTest, AHandlerThatThrowsBeforeReadingLosesNothing) {
  std::vector<int> got;
  bool thrown = false;
  Exchange exchange({.limit = 1, .reuse = true}, [&](Channel& c) {
    if (!thrown) {
      thrown = true;
      throw std::runtime_error("not yet");
    }
    got.push_back(c.receive<int>());
  });
  auto calc = exchange.manage(MakeReusable([](int x) { return x * 10; }));
  for (int i = 0; i < 3; ++i) calc(i);
  EXPECT_THROW(exchange.finish(), std::runtime_error);
  exchange.finish();
  EXPECT_EQ(got, (std::vector<int>{0, 10, 20}));
}

TEST_F(ReuseTest, ManagedReusableCallsShareWorkers) {
  Map<std::pair<int, int>> results({.limit = 2, .reuse = true});
  auto calc = results.manage(MakeReusable(square_with_pid));
  for (int i = 0; i < 10; ++i) calc(i);
  std::set<int> workers;
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(results[i].first, static_cast<int>(i * i));
    workers.insert(results[i].second);
  }
  EXPECT_LE(workers.size(), 2U);
}

}  // namespace
}  // namespace pprocess
