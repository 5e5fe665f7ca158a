// Map and pmap: input order, early access, empty input, crashes and errors at their own index.
#include "pprocess/map.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

#include "fork_test.hpp"
#include "raw_frames.hpp"
#include "sanitized.hpp"

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
        EXPECT_EQ(e.task(), 3U);
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
          testing::RawHeader header;
          header.length = 100;
          ::send(c.fileno(), &header, sizeof header, MSG_NOSIGNAL);
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

// Hostile bytes, stalls and limits.

TEST_F(MapTest, BytesThatAreNoValueOfItsTypeAreAProtocolErrorAtTheirIndexAndTheRestArrive) {
  Map<std::vector<int>> results({.limit = 2});
  results(
      [](Channel& c, int x) {
        if (x == 1) c.send(std::string("7 bytes"));  // not a whole number of ints
        if (x == 2) {
          testing::write_raw(c, "this is no frame at all", 23);
          ::pause();  // it must be ended, not waited for
        }
        if (x == 3) {
          testing::RawHeader header;
          header.length = std::uint64_t{1} << 31;  // over the frame limit
          testing::write_raw(c, &header, sizeof header);
          ::pause();
        }
        c.send(std::vector<int>{x});
      },
      range(5));
  for (std::size_t i = 0; i < 5; ++i) {
    if (i >= 1 && i <= 3) {
      EXPECT_THROW(static_cast<void>(results[i]), ProtocolError) << "task " << i;
    } else {
      EXPECT_EQ(results[i], std::vector<int>{static_cast<int>(i)});
    }
  }
}

TEST_F(MapTest, ATaskThatSendsTwoValuesIsAProtocolErrorAtItsIndexAndTheRestArrive) {
  Map<int> results({.limit = 2});
  results(
      [](Channel& c, int x) {
        c.send(x);
        if (x == 1) c.send(x + 100);  // a Map task delivers one result
      },
      range(4));
  for (std::size_t i = 0; i < 4; ++i) {
    if (i == 1) {
      EXPECT_THROW(static_cast<void>(results[i]), ProtocolError);
    } else {
      EXPECT_EQ(results[i], static_cast<int>(i));
    }
  }
}

TEST_F(MapTest, OnceEveryResultIsTakenEveryProcessIsReapedWhileTheMapLives) {
  auto results = pmap([](int x) { return x; }, range(6), 3);
  const std::vector<int> got(results.begin(), results.end());
  EXPECT_EQ(got.size(), 6U);
  EXPECT_EQ(results.active(), 0U);
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "a process waits for finish()";
  EXPECT_EQ(errno, ECHILD);
}

TEST_F(MapTest, ATaskPastItsDeadlineIsTimedOutAtItsIndexAndTheRestArrive) {
  Map<int> results({.limit = 2, .task_timeout = std::chrono::milliseconds(300)});
  results(
      [](int x) {
        if (x == 2) ::pause();
        return x;
      },
      range(5));
  for (std::size_t i = 0; i < 5; ++i) {
    if (i == 2) {
      try {
        static_cast<void>(results[i]);
        FAIL() << "expected TimedOut";
      } catch (const TimedOut& e) {
        EXPECT_EQ(e.task(), 2U);
        EXPECT_GE(e.elapsed(), std::chrono::milliseconds(300));
      }
    } else {
      EXPECT_EQ(results[i], static_cast<int>(i));
    }
  }
}

TEST_F(MapTest, TheLongestTaskTimeoutIsNoDeadlineAtAll) {
  // started + milliseconds::max() overflows: it must saturate, not time every task out at once.
  // Reuse hands tasks over with a deadline of their own, a second way to the same sum.
  for (const bool reuse : {false, true}) {
    Map<int> results(
        {.limit = 2, .reuse = reuse, .task_timeout = std::chrono::milliseconds::max()});
    results([](int x) { return 3 * x; }, range(6));
    for (std::size_t i = 0; i < 6; ++i) {
      EXPECT_EQ(results[i], 3 * static_cast<int>(i)) << "task " << i << ", reuse " << reuse;
    }
  }
}

TEST_F(MapTest, AStoppedTaskIsTimedOutAndKilled) {
  Map<int> results({.limit = 2, .task_timeout = std::chrono::milliseconds(200)});
  results(
      [](int x) {
        if (x == 1) ::raise(SIGSTOP);
        return x;
      },
      range(3));
  EXPECT_EQ(results[0], 0);
  EXPECT_THROW(static_cast<void>(results[1]), TimedOut);
  EXPECT_EQ(results[2], 2);
}

TEST_F(MapTest, ATaskThatStallsHalfWayThroughItsValueIsTimedOut) {
  Map<std::string> results({.limit = 2, .task_timeout = std::chrono::milliseconds(300)});
  results(
      [](Channel& c, int x) {
        if (x == 0) {
          testing::RawHeader header;
          header.length = 100;
          testing::write_raw(c, &header, sizeof header);
          testing::write_raw(c, "0123456789", 10);
          ::pause();
        }
        c.send(std::string("fine"));
      },
      range(2));
  try {
    static_cast<void>(results[0]);
    FAIL() << "expected TimedOut";
  } catch (const TimedOut& e) {
    EXPECT_EQ(e.task(), 0U);
  }
  EXPECT_EQ(results[1], "fine");
}

TEST_F(MapTest, ATaskNoDescriptorCanBeHadForFailsNamingTheCallThatFailed) {
  if (kSanitized) GTEST_SKIP() << "UBSan checks a pointer through a pipe, which needs descriptors";
  // With nothing else running there is nothing to wait for: the task fails where it stands.
  const int status = testing::status_short_of_descriptors([] {
    Map<int> results({.limit = 2});
    results([](int x) { return x; }, range(1));
    static_cast<void>(results[0]);
  });
  EXPECT_EQ(status, 0) << "10: no limit, 11: a result, 12: the wrong call named";
}

// PPROCESS_TRACE: one line on stderr per event.

/// What trace_probe writes on stderr, with PPROCESS_TRACE set to `trace` (unset when null).
std::string probe_stderr(const char* trace) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  const pid_t probe = ::fork();
  if (probe == 0) {
    ::dup2(out[1], STDERR_FILENO);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    if (trace != nullptr) {
      ::setenv("PPROCESS_TRACE", trace, 1);
    } else {
      ::unsetenv("PPROCESS_TRACE");
    }
    ::execl(PPROCESS_TRACE_PROBE, PPROCESS_TRACE_PROBE, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t got; (got = ::read(out[0], buffer, sizeof buffer)) != 0;) {
    if (got > 0) text.append(buffer, static_cast<std::size_t>(got));
    if (got < 0 && errno != EINTR) break;
  }
  ::close(out[0]);
  int status = 0;
  ::waitpid(probe, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("trace_probe failed: " + text);
  }
  return text;
}

/// The lines of `text` from "map: NAME" up to the next "map: " line.
std::vector<std::string> section(const std::string& text, const std::string& name) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("map: ", 0) == 0) {
      inside = line == "map: " + name;
    } else if (inside) {
      lines.push_back(line);
    }
  }
  return lines;
}

/// The lines that match `pattern`, each as its first submatch.
std::vector<std::string> matching(const std::vector<std::string>& lines,
                                  const std::string& pattern) {
  const std::regex expression(pattern);
  std::vector<std::string> found;
  for (const std::string& line : lines) {
    std::smatch match;
    if (std::regex_match(line, match, expression)) found.push_back(match[1]);
  }
  return found;
}

TEST_F(MapTest, TraceShowsEachProcessCreatedReusedAndEndedAndEachWaitForASlot) {
  const std::string text = probe_stderr("1");
  const std::string prefix = R"(pprocess\[\d+\]: )";

  // Limit 1, three tasks, a process each: two wait, then each starts once the last has ended.
  const std::vector<std::string> plain = section(text, "plain");
  EXPECT_EQ(matching(plain, prefix + R"(task (\d+) waits for a slot \(1 of 1 processes running\))"),
            (std::vector<std::string>{"1", "2"}))
      << text;
  const std::vector<std::string> created =
      matching(plain, prefix + R"(created process (\d+) for task \d+)");
  EXPECT_EQ(matching(plain, prefix + R"(created process \d+ for task (\d+))"),
            (std::vector<std::string>{"0", "1", "2"}))
      << text;
  EXPECT_EQ(matching(plain, prefix + R"(process (\d+) ended with exit code 0)"), created) << text;
  const std::vector<std::string> events = matching(plain, prefix + R"(((created|process) .*))");
  ASSERT_EQ(events.size(), 6U) << text;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(events[2 * i], "created process " + created[i] + " for task " + std::to_string(i));
    EXPECT_EQ(events[2 * i + 1], "process " + created[i] + " ended with exit code 0");
  }

  // Reused: one process, handed the next two tasks.
  const std::vector<std::string> reuse = section(text, "reuse");
  const std::vector<std::string> worker =
      matching(reuse, prefix + R"(created process (\d+) for task 0)");
  ASSERT_EQ(worker.size(), 1U) << text;
  EXPECT_EQ(matching(reuse, prefix + "process " + worker[0] + R"( reused for task (\d+))"),
            (std::vector<std::string>{"1", "2"}))
      << text;
  EXPECT_EQ(matching(reuse, prefix + R"(process (\d+) ended with exit code 0)"), worker) << text;
}

TEST_F(MapTest, WithoutTheTraceSwitchNothingIsTraced) {
  EXPECT_EQ(probe_stderr(nullptr), "map: plain\nmap: reuse\n");
  EXPECT_EQ(probe_stderr("0"), "map: plain\nmap: reuse\n");
}

TEST_F(MapTest, WhenDescriptorsRunOutTheMapGoesOnWithFewerProcesses) {
  if (kSanitized) GTEST_SKIP() << "UBSan checks a pointer through a pipe, which needs descriptors";
  // In a process of its own, so that the lowered descriptor limit goes with it.
  const pid_t harness = ::fork();
  if (harness == 0) {
    const rlim_t open_now = testing::open_descriptors().size();
    const rlimit few{open_now + 8, open_now + 8};
    if (::setrlimit(RLIMIT_NOFILE, &few) != 0) ::_exit(10);
    try {
      auto results = pmap(
          [](int x) {
            ::usleep(20'000);
            return 2 * x;
          },
          range(40), 20);
      for (std::size_t i = 0; i < 40; ++i) {
        if (results[i] != 2 * static_cast<int>(i)) ::_exit(11);
      }
      ::_exit(results.limit() < 20 ? 0 : 12);
    } catch (...) {
      ::_exit(13);
    }
  }
  int status = 0;
  ASSERT_EQ(::waitpid(harness, &status, 0), harness);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: setrlimit, 11: a wrong result, 12: the limit held, "
                                       "13: an exception";
}

}  // namespace
}  // namespace pprocess
