// Exchange: the limit (via start, manage and create), FIFO order, timeouts and failures.
#include "pprocess/exchange.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "fork_test.hpp"
#include "pprocess/cores.hpp"
#include "pprocess/parallel.hpp"
#include "raw_frames.hpp"

namespace pprocess {
namespace {

using testing::now_ns;
using Interval = std::pair<long long, long long>;

/// The task of the limit tests: 200 ms of "work", reported as the interval it ran in.
void timed_task(Channel& channel) {
  const long long begin = now_ns();
  ::usleep(200'000);
  channel.send(Interval{begin, now_ns()});
}

/// The most intervals that overlap at any instant.
std::size_t most_at_once(std::vector<Interval> intervals) {
  std::vector<std::pair<long long, int>> events;
  for (const auto& [begin, end] : intervals) {
    events.emplace_back(begin, +1);
    events.emplace_back(end, -1);
  }
  std::sort(events.begin(), events.end());  // an end sorts before a begin at the same instant
  int running = 0;
  int most = 0;
  for (const auto& event : events) most = std::max(most, running += event.second);
  return static_cast<std::size_t>(most);
}

class ExchangeTest : public testing::ForkTest {
 protected:
  /// Twelve 200 ms tasks at a limit of 3: never more than 3 at once, more than one at once, and
  /// (loosely, for a loaded machine) well under the 2.4 s they would take one after another.
  void expect_the_limit_held(long long began) const {
    ASSERT_EQ(intervals_.size(), 12U);
    EXPECT_LE(most_at_once(intervals_), 3U);
    EXPECT_GE(most_at_once(intervals_), 2U);
    EXPECT_LT(testing::now_ns() - began, 20'000'000'000LL);
  }

  std::vector<Interval> intervals_;
  Exchange::Handler collect_ = [this](Channel& c) { intervals_.push_back(c.receive<Interval>()); };
};

TEST_F(ExchangeTest, StartKeepsAtMostTheLimitRunningAndFinishesTwelveTasksPromptly) {
  const long long begin = now_ns();
  Exchange exchange({.limit = 3}, collect_);
  for (int i = 0; i < 12; ++i) exchange.start(timed_task);
  exchange.finish();
  expect_the_limit_held(begin);
}

TEST_F(ExchangeTest, ManageKeepsAtMostTheLimitRunning) {
  const long long begin = now_ns();
  Exchange exchange({.limit = 3}, collect_);
  auto task = exchange.manage(timed_task);
  for (int i = 0; i < 12; ++i) task();
  exchange.finish();
  expect_the_limit_held(begin);
}

TEST_F(ExchangeTest, CreateKeepsAtMostTheLimitRunning) {
  const long long begin = now_ns();
  Exchange exchange({.limit = 3}, collect_);
  for (int i = 0; i < 12; ++i) {
    if (std::optional<Channel> channel = exchange.create()) {
      timed_task(*channel);
      pprocess::exit(*channel);
    }
  }
  exchange.finish();
  expect_the_limit_held(begin);
}

TEST_F(ExchangeTest, QueuedTasksStartInFifoOrder) {
  std::vector<std::pair<int, long long>> starts;
  Exchange exchange({.limit = 1},
                    [&](Channel& c) { starts.push_back(c.receive<std::pair<int, long long>>()); });
  for (int i = 0; i < 6; ++i) {
    exchange.start([](Channel& c, int index) { c.send(std::pair{index, now_ns()}); }, i);
  }
  exchange.finish();
  ASSERT_EQ(starts.size(), 6U);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(starts[static_cast<std::size_t>(i)].first, i);
  EXPECT_TRUE(std::is_sorted(starts.begin(), starts.end(),
                             [](auto& a, auto& b) { return a.second < b.second; }));
}

TEST_F(ExchangeTest, StoreWithATimeoutReturnsAfterAboutThatLongWhenNothingArrives) {
  Exchange exchange({.limit = 1}, collect_);
  exchange.start([](Channel&) { ::pause(); });
  const long long begin = now_ns();
  exchange.store(std::chrono::milliseconds(100));
  const long long waited = now_ns() - begin;
  EXPECT_GE(waited, 95'000'000LL);
  EXPECT_LT(waited, 1'000'000'000LL);
  EXPECT_TRUE(exchange.unfinished());
}

TEST_F(ExchangeTest, StoreKeepsItsTimeoutWhileAProcessLingersAfterClosingItsChannel) {
  std::vector<int> got;
  Exchange exchange({.limit = 1}, [&](Channel& c) { got.push_back(c.receive<int>()); });
  exchange.start([](Channel& c) {
    c.send(1);
    c.close();
    ::usleep(800'000);  // still alive, with nothing more to say
  });
  exchange.start([](Channel& c) { c.send(2); });
  while (got.empty()) exchange.store();
  const long long begin = now_ns();
  exchange.store(std::chrono::milliseconds(100));
  EXPECT_LT(now_ns() - begin, 500'000'000LL) << "store waited for the lingering process";
  EXPECT_EQ(got, std::vector<int>{1}) << "the second task ran beside the first: over the limit";
  exchange.finish();
  EXPECT_EQ(got, (std::vector<int>{1, 2}));
}

TEST_F(ExchangeTest, ALimitOfZeroIsRejected) {
  EXPECT_THROW(Exchange({.limit = 0}), std::invalid_argument);
}

TEST_F(ExchangeTest, ReuseAndContinuousTogetherAreRejected) {
  EXPECT_THROW(Exchange({.limit = 2, .reuse = true, .continuous = true}), std::invalid_argument);
}

TEST_F(ExchangeTest, WithoutALimitTheDefaultIsTheAvailableCpus) {
  Exchange exchange;
  EXPECT_EQ(exchange.limit(), available_cpus());
}

TEST_F(ExchangeTest, AutocloseFalseKeepsAFinishedChannelOpenForTheCaller) {
  Exchange exchange({.limit = 1, .autoclose = false},
                    [](Channel& c) { EXPECT_EQ(c.receive<int>(), 5); });
  exchange.start([](Channel& c) { c.send(5); });
  std::vector<Child*> removed;
  while (exchange.unfinished()) {
    exchange.store();
    removed.insert(removed.end(), exchange.removed().begin(), exchange.removed().end());
  }
  ASSERT_EQ(removed.size(), 1U);
  Child& finished = *removed.front();
  EXPECT_TRUE(finished.is_open());
  EXPECT_GE(finished.fileno(), 0);
  EXPECT_EQ(finished.exit_status()->exit_code, 0);  // reaped all the same
  EXPECT_THROW(static_cast<void>(finished.receive<int>()), ChannelClosed);
  finished.close();
}

TEST_F(ExchangeTest, AutocloseFalseLeavesARemovedChannelReadableByTheCaller) {
  std::vector<Child*> removed;
  Exchange exchange({.limit = 1, .autoclose = false}, [&](Channel& c) {
    EXPECT_EQ(c.receive<int>(), 5);
    exchange.remove(c);
    removed.insert(removed.end(), exchange.removed().begin(), exchange.removed().end());
  });
  exchange.start([](Channel& c) {
    c.post(5);
    c.post(6);
  });
  exchange.finish();
  ASSERT_EQ(removed.size(), 1U);
  Child& channel = *removed.front();
  EXPECT_EQ(channel.receive<int>(), 6);
  EXPECT_THROW(static_cast<void>(channel.receive<int>()), ChannelClosed);
  channel.close();
  EXPECT_EQ(channel.exit_status()->exit_code, 0);
}

TEST_F(ExchangeTest, AutocloseClosesAFinishedChannel) {
  Exchange exchange({.limit = 1}, [](Channel& c) { static_cast<void>(c.receive<int>()); });
  exchange.start([](Channel& c) { c.send(5); });
  std::vector<Child*> removed;
  while (exchange.unfinished()) {
    exchange.store();
    removed.insert(removed.end(), exchange.removed().begin(), exchange.removed().end());
  }
  ASSERT_EQ(removed.size(), 1U);
  EXPECT_FALSE(removed.front()->is_open());
}

TEST_F(ExchangeTest, TwoWayPingPongOfTwentyMessages) {
  std::vector<int> seen;
  Exchange exchange({.limit = 1}, [&](Channel& c) {
    const int value = c.receive<int>();
    seen.push_back(value);
    c.send(value + 1);
  });
  exchange.start([](Channel& c) {
    int value = 0;
    for (int round = 0; round < 10; ++round) {
      c.send(value);
      value = c.receive<int>() + 1;
    }
  });
  exchange.finish();
  ASSERT_EQ(seen.size(), 10U);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<int>(2 * i));
}

TEST_F(ExchangeTest, AProcessThatDiesWithoutDeliveringIsReportedAsProcessDied) {
  Exchange exchange({.limit = 2}, collect_);
  exchange.start([](Channel&) { ::_exit(3); });
  try {
    exchange.finish();
    FAIL() << "expected ProcessDied";
  } catch (const ProcessDied& e) {
    EXPECT_EQ(e.exit_code(), 3);
    EXPECT_FALSE(e.signal());
  }
  EXPECT_FALSE(exchange.unfinished());
}

TEST_F(ExchangeTest, AHandlerlessExchangeSaysSoWhenDataArrives) {
  Exchange exchange({.limit = 1});
  exchange.start([](Channel& c) { c.send(1); });
  EXPECT_THROW(exchange.finish(), std::logic_error);
}

TEST_F(ExchangeTest, ASubclassReceivesThroughStoreData) {
  class Summer : public Exchange {
   public:
    Summer() : Exchange({.limit = 2}) {}
    int sum = 0;

   protected:
    void store_data(Channel& channel) override { sum += channel.receive<int>(); }
  };
  Summer summer;
  for (int i = 1; i <= 10; ++i) summer.start(MakeParallel([](int x) { return x; }), i);
  summer.finish();
  EXPECT_EQ(summer.sum, 55);
}

TEST_F(ExchangeTest, AHandlerThatClosesItsChannelDoesNotHangTheExchange) {
  int got = 0;
  Exchange exchange({.limit = 1}, [&](Channel& c) {
    got = c.receive<int>();
    c.close();
  });
  exchange.start([](Channel& c) { c.send(5); });
  exchange.finish();
  EXPECT_EQ(got, 5);
}

TEST_F(ExchangeTest, ReadyOnAnEmptyExchangeReturnsAtOnce) {
  Exchange exchange({.limit = 1});
  EXPECT_TRUE(exchange.ready().empty());
}

TEST_F(ExchangeTest, AddWatchesAChannelStartedElsewhere) {
  std::vector<int> got;
  Exchange exchange({.limit = 1}, [&](Channel& c) { got.push_back(c.receive<int>()); });
  exchange.add(start([](Channel& c) { c.send(11); }));
  exchange.add_wait(start([](Channel& c) { c.send(22); }));
  exchange.finish();
  EXPECT_EQ(got, (std::vector<int>{11, 22}));
}

TEST_F(ExchangeTest, AnAddedChildsProcessIsTheExchangesAndAnAddedChannelHasNone) {
  std::vector<pid_t> watched;
  Exchange exchange({.limit = 2}, [&](Channel& c) {
    static_cast<void>(c.receive<int>());
    Process* process = exchange.process_of(c);
    watched.push_back(process != nullptr ? process->pid() : 0);
  });
  Child child = start([](Channel& c) { c.send(1); });
  const pid_t pid = child.pid();
  exchange.add(std::move(child));
  // A channel to a process nobody here owns: the other end of a socketpair made by hand.
  std::array<int, 2> ends{};
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends.data()), 0);
  exchange.add(detail::ChannelAccess::make(detail::Fd(ends[0])));
  Channel writer = detail::ChannelAccess::make(detail::Fd(ends[1]));
  writer.post(2);
  writer.close();
  exchange.finish();
  std::sort(watched.begin(), watched.end());
  EXPECT_EQ(watched, (std::vector<pid_t>{0, pid}));
  errno = 0;
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1) << "the exchange reaped the added child";
  EXPECT_EQ(errno, ECHILD);
}

TEST_F(ExchangeTest, TheDestructorEndsAndReapsUnfinishedWork) {
  const long long begin = now_ns();
  {
    Exchange exchange({.limit = 2}, collect_);
    for (int i = 0; i < 4; ++i) exchange.start([](Channel&) { ::sleep(30); });
    EXPECT_EQ(exchange.active(), 2U);
  }
  EXPECT_LT(now_ns() - begin, 5'000'000'000LL);
}

TEST_F(ExchangeTest, AChildOfASecondExchangeHoldsNoDescriptorOfTheFirst) {
  Exchange first({.limit = 1}, [](Channel& c) { static_cast<void>(c.receive<int>()); });
  first.start([](Channel& c) {
    ::usleep(300'000);
    c.send(0);
  });
  // Every socket this process holds, by inode: the child must hold none but its own channel.
  std::vector<std::string> ours;
  for (int fd : testing::open_descriptors()) {
    char target[256] = {};
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    if (::readlink(link.c_str(), target, sizeof target - 1) > 0) ours.emplace_back(target);
  }
  std::vector<std::string> theirs;
  Exchange second({.limit = 1},
                  [&](Channel& c) { theirs = c.receive<std::vector<std::string>>(); });
  second.start([](Channel& c) {
    std::vector<std::string> targets;
    for (int fd : testing::open_descriptors()) {
      if (fd == c.fileno()) continue;
      char target[256] = {};
      const std::string link = "/proc/self/fd/" + std::to_string(fd);
      if (::readlink(link.c_str(), target, sizeof target - 1) > 0) targets.emplace_back(target);
    }
    c.send(targets);
  });
  second.finish();
  first.finish();
  for (const std::string& target : theirs) {
    if (target.rfind("socket:", 0) != 0) continue;
    EXPECT_EQ(std::count(ours.begin(), ours.end(), target), 0) << "the child inherited " << target;
  }
}

TEST_F(ExchangeTest, BytesThatAreNoValueReachTheCallerOfStoreAsAProtocolErrorAndTheRestArrive) {
  std::vector<int> got;
  Exchange exchange({.limit = 2}, [&](Channel& c) { got.push_back(c.receive<int>()); });
  exchange.start([](Channel& c) {
    testing::write_raw(c, "this is no frame at all", 23);
    ::pause();  // it must be ended, not waited for
  });
  exchange.start([](Channel& c) { c.send(7); });
  int protocol_errors = 0;
  while (exchange.unfinished()) {
    try {
      exchange.store();
    } catch (const ProtocolError&) {
      ++protocol_errors;
    }
  }
  EXPECT_EQ(protocol_errors, 1);
  EXPECT_EQ(got, std::vector<int>{7});
}

TEST_F(ExchangeTest, StoreWithTheLongestTimeoutWaitsForData) {
  std::vector<int> got;
  Exchange exchange({.limit = 1}, [&](Channel& c) { got.push_back(c.receive<int>()); });
  exchange.start([](Channel& c) {
    ::usleep(100'000);
    c.send(5);
  });
  exchange.store(std::chrono::milliseconds::max());
  EXPECT_EQ(got, std::vector<int>{5});
  exchange.finish();
}

TEST_F(ExchangeTest, TheDestructorLetsAProcessThatDeliveredFinishWritingItsOutput) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("pprocess-flush-" + std::to_string(::getpid()));
  {
    std::vector<int> got;
    Exchange exchange({.limit = 1}, [&](Channel& c) { got.push_back(c.receive<int>()); });
    exchange.start([&file](Channel& c) {
      std::FILE* out = std::fopen(file.c_str(), "w");
      std::fputs("before ", out);
      c.send(1);
      ::usleep(300'000);
      std::fputs("after", out);  // written out when the process ends, by pprocess::exit
    });
    while (got.empty()) exchange.store();
  }
  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(file);
  EXPECT_EQ(text, "before after");
}

TEST_F(ExchangeTest, TheDestructorAsksAProcessThatOwesWorkToEndBeforeKillingIt) {
  const std::string marker =
      (std::filesystem::temp_directory_path() / ("pprocess-sigterm-" + std::to_string(::getpid())))
          .string();
  static const char* marker_path = nullptr;  // for the signal handler, in the child
  marker_path = marker.c_str();
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  {
    Exchange exchange({.limit = 1}, collect_);
    exchange.start([&](Channel&) {
      ::signal(SIGTERM, [](int) {
        ::close(::open(marker_path, O_CREAT | O_WRONLY, 0600));
        ::_exit(0);
      });
      static_cast<void>(::write(ready[1], "!", 1));
      for (;;) ::pause();
    });
    char byte = 0;
    ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  }
  ::close(ready[0]);
  ::close(ready[1]);
  EXPECT_TRUE(std::filesystem::exists(marker)) << "it was killed without a SIGTERM first";
  std::filesystem::remove(marker);
}

TEST_F(ExchangeTest, SettingTheLongestTaskTimeoutLeavesRunningTasksWithoutADeadline) {
  std::vector<int> got;
  Exchange exchange({.limit = 2}, [&](Channel& c) { got.push_back(c.receive<int>()); });
  exchange.start([](Channel& c) {
    ::usleep(100'000);
    c.send(1);
  });
  exchange.set_task_timeout(std::chrono::milliseconds::max());
  exchange.finish();
  EXPECT_EQ(got, std::vector<int>{1});
}

TEST_F(ExchangeTest, ANewTaskTimeoutAppliesToTasksAlreadyRunning) {
  Exchange exchange({.limit = 2}, collect_);
  exchange.start([](Channel&) { ::pause(); });
  exchange.store(std::chrono::milliseconds(50));
  exchange.set_task_timeout(std::chrono::milliseconds(100));
  EXPECT_THROW(exchange.finish(), TimedOut);
  EXPECT_FALSE(exchange.unfinished());
}

}  // namespace
}  // namespace pprocess
