// Map and pmap: input order, early access, empty input, crashes and errors at their own index.
#include "pprocess/map.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fork_test.hpp"

namespace pprocess {
namespace {

class MapTest : public testing::ForkTest {};

std::vector<int> range(int n) {
  std::vector<int> values(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) values[static_cast<std::size_t>(i)] = i;
  return values;
}

TEST_F(MapTest, SquaresComeBackInInputOrderDespiteRandomDelays) {
  std::mt19937 random(7);
  std::vector<std::pair<int, int>> inputs;
  for (int i = 0; i < 100; ++i) inputs.emplace_back(i, static_cast<int>(random() % 20'000));
  auto squares = pmap(
      [](std::pair<int, int> input) {
        ::usleep(static_cast<useconds_t>(input.second));
        return input.first * input.first;
      },
      inputs, 4);
  ASSERT_EQ(squares.size(), 100U);
  int i = 0;
  for (int square : squares) {
    EXPECT_EQ(square, i * i);
    ++i;
  }
  EXPECT_EQ(i, 100);
}

TEST_F(MapTest, AResultIsAvailableBeforeEveryTaskHasFinished) {
  Map<int> results({.limit = 60});
  results(
      [](int x) {
        if (x != 57) ::sleep(2);
        return x;
      },
      range(60));
  EXPECT_EQ(results[57], 57);
  EXPECT_TRUE(results.unfinished());
}

TEST_F(MapTest, EmptyInputForksNothing) {
  auto results = pmap([](int x) { return x; }, std::vector<int>{}, 2);
  EXPECT_EQ(results.size(), 0U);
  EXPECT_EQ(results.active(), 0U);
  EXPECT_FALSE(results.unfinished());
  EXPECT_EQ(results.begin(), results.end());
  EXPECT_THROW(static_cast<void>(results[0]), std::out_of_range);
}

TEST_F(MapTest, ATaskKilledBySigkillThrowsProcessDiedAtItsIndexAndTheRestSurvive) {
  auto results = pmap(
      [](int x) {
        if (x == 3) ::raise(SIGKILL);
        return x * 10;
      },
      range(8), 3);
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == 3) {
      try {
        static_cast<void>(results[i]);
        FAIL() << "expected ProcessDied";
      } catch (const ProcessDied& e) {
        EXPECT_EQ(e.signal(), SIGKILL);
        EXPECT_NE(std::string(e.what()).find("signal 9"), std::string::npos) << e.what();
      }
    } else {
      EXPECT_EQ(results[i], static_cast<int>(i) * 10);
    }
  }
}

TEST_F(MapTest, ATaskThatThrowsSurfacesAsRemoteErrorAtItsIndexNotEarlier) {
  auto results = pmap(
      [](int x) {
        if (x == 5) throw std::domain_error("five is not allowed");
        return x;
      },
      range(10), 2);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(results[i], static_cast<int>(i));
  try {
    static_cast<void>(results[5]);
    FAIL() << "expected RemoteError";
  } catch (const RemoteError& e) {
    EXPECT_EQ(e.type_name(), "std::domain_error");
    EXPECT_EQ(e.message(), "five is not allowed");
  }
  for (std::size_t i = 6; i < 10; ++i) EXPECT_EQ(results[i], static_cast<int>(i));
}

TEST_F(MapTest, AfterACrashLaterTasksStillLandInTheirOwnSlots) {
  auto results = pmap(
      [](int x) {
        if (x == 2) ::_exit(4);
        ::usleep(static_cast<useconds_t>((10 - x) * 3000));  // later tasks finish sooner
        return x + 100;
      },
      range(10), 3);
  for (std::size_t i = 9; i + 1 > 0; --i) {  // ask for the last first
    if (i == 2) {
      EXPECT_THROW(static_cast<void>(results[i]), ProcessDied);
    } else {
      EXPECT_EQ(results[i], static_cast<int>(i) + 100);
    }
  }
}

TEST_F(MapTest, AProcessKilledWhileSendingIsProcessDiedNotAProtocolError) {
  Map<int> results({.limit = 2});
  results(
      [](Channel& c, int x) {
        if (x == 1) {
          // Half a frame, then death: what a process killed in the middle of a send leaves.
          const std::array<std::uint32_t, 4> header{0x70707263, 1, 100, 0};
          ::send(c.fileno(), header.data(), sizeof header, MSG_NOSIGNAL);
          ::send(c.fileno(), "0123456789", 10, MSG_NOSIGNAL);
          ::raise(SIGKILL);
        }
        c.send(x * 2);
      },
      range(4));
  EXPECT_EQ(results[0], 0);
  try {
    static_cast<void>(results[1]);
    FAIL() << "expected ProcessDied";
  } catch (const ProcessDied& e) {
    EXPECT_EQ(e.signal(), SIGKILL);
  }
  EXPECT_EQ(results[2], 4);
  EXPECT_EQ(results[3], 6);
}

TEST_F(MapTest, AChannelCallableIsUsedAsItIs) {
  Map<std::string> results({.limit = 2});
  results([](Channel& c, int x) { c.send(std::string(static_cast<std::size_t>(x), '*')); },
          range(4));
  EXPECT_EQ(results[3], "***");
  EXPECT_EQ(results[0], "");
}

TEST_F(MapTest, ManageGivesEachCallItsOwnSlot) {
  Map<int> results({.limit = 2});
  auto calc = results.manage(MakeParallel([](int i, int j) { return i * 10 + j; }));
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) calc(i, j);
  }
  ASSERT_EQ(results.size(), 9U);
  std::vector<int> got(results.begin(), results.end());
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 10, 11, 12, 20, 21, 22}));
}

}  // namespace
}  // namespace pprocess
