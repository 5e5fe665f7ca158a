// MakeParallel and MakeReusable, with and without reuse: a few workers, many tasks, no hangs.
#include "pprocess/parallel.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <set>
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
