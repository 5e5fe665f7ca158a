// What every scheduler's pass works with: workers counted by who they are within their pass,
// never by a pid the system may have handed out twice.
#include "pass.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <gtest/gtest.h>

namespace pygmy::schedulers {
namespace {

TEST(WorkerNumbersTest, TheSameKeyInAnotherPassIsAnotherWorker) {
  WorkerNumbers workers(4);
  workers.delivered(0, 1, 4242);  // as a pid, reused in the next pass
  workers.delivered(1, 1, 4242);
  workers.delivered(2, 2, 4242);
  workers.delivered(3, 2, 17);
  std::size_t count = 0;
  EXPECT_EQ(workers.of_bands(count), (std::vector<int>{0, 0, 1, 2}));
  EXPECT_EQ(count, 3U);
}

TEST(WorkerNumbersTest, WorkersAreNumberedInTheOrderTheyFirstDeliveredNotByTheirKeys) {
  WorkerNumbers workers(3);
  workers.delivered(2, 1, 9);
  workers.delivered(0, 1, 3);
  workers.delivered(1, 1, 9);
  std::size_t count = 0;
  EXPECT_EQ(workers.of_bands(count), (std::vector<int>{1, 0, 0}));
  EXPECT_EQ(count, 2U);
}

TEST(WorkerNumbersTest, AWorkerWhoseBandsWereAllDeliveredAgainIsNotCounted) {
  WorkerNumbers workers(2);
  workers.delivered(0, 1, 5);
  workers.delivered(1, 1, 6);
  workers.delivered(0, 2, 5);  // band 0 delivered again in pass 2: pass 1's worker 5 has none
  std::size_t count = 0;
  EXPECT_EQ(workers.of_bands(count), (std::vector<int>{1, 0}));
  EXPECT_EQ(count, 2U);
}

TEST(WorkerNumbersTest, AWorkerForEveryBandCountsEveryBandWhateverTheKeysRepeatAcrossPasses) {
  // 65536 bands of one row, each a process of its own (exchange): as many workers, even where a
  // later pass's keys are those of an earlier one.
  constexpr std::size_t kBands = 65536;
  WorkerNumbers workers(kBands);
  for (std::size_t band = 0; band < kBands; ++band) {
    const int pass = band < kBands / 2 ? 1 : 2;
    workers.delivered(band, pass, static_cast<long>(band % (kBands / 2)));
  }
  std::size_t count = 0;
  const std::vector<int> numbers = workers.of_bands(count);
  EXPECT_EQ(count, kBands);
  EXPECT_EQ(numbers.back(), static_cast<int>(kBands) - 1);
}

TEST(WorkerNumbersTest, ABandNeverDeliveredHasNoWorker) {
  WorkerNumbers workers(2);
  workers.delivered(1, 1, 0);
  std::size_t count = 0;
  EXPECT_EQ(workers.of_bands(count), (std::vector<int>{-1, 0}));
  EXPECT_EQ(count, 1U);
}

TEST(ForkNumbersTest, EachForkedProcessDrawsItsOwnNumberOnceAndKeepsIt) {
  ForkNumbers numbers;
  constexpr int kProcesses = 4;
  std::vector<pid_t> children;
  for (int i = 0; i < kProcesses; ++i) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const long first = numbers.mine();
      const long again = numbers.mine();
      ::_exit(first == again && first >= 0 && first < kProcesses ? 10 + static_cast<int>(first)
                                                                 : 1);
    }
    children.push_back(pid);
  }
  std::vector<bool> drawn(kProcesses, false);
  for (const pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    const int number = WEXITSTATUS(status) - 10;
    ASSERT_GE(number, 0) << "a process drew a number twice or out of range";
    ASSERT_LT(number, kProcesses);
    EXPECT_FALSE(drawn[static_cast<std::size_t>(number)]) << number << " drawn twice";
    drawn[static_cast<std::size_t>(number)] = true;
  }
}

}  // namespace
}  // namespace pygmy::schedulers
