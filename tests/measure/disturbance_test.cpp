// What else used the CPUs: /proc/stat read for the CPUs asked about, and a process that spins
// beside a measurement makes it disturbed.
#include "pygmy/measure/disturbance.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

namespace pygmy::measure {
namespace {

constexpr const char* kStat =
    "cpu  300 10 60 5000 7 3 2 40 0 0\n"
    "cpu0 100 5 20 2500 3 1 1 10 0 0\n"
    "cpu1 200 5 40 2500 4 2 1 30 0 0\n"
    "intr 1 2 3\n"
    "cpufreq 9 9 9\n";

TEST(DisturbanceTest, ProcStatIsReadForTheCpusAskedAbout) {
  // cpu0: user 100 + nice 5 + system 20 + irq 1 + softirq 1 = 127 ticks busy, 10 stolen.
  const CpuTimes zero = parse_proc_stat(kStat, {0}, 100);
  EXPECT_DOUBLE_EQ(zero.busy_seconds, 1.27);
  EXPECT_DOUBLE_EQ(zero.steal_seconds, 0.10);
  const CpuTimes both = parse_proc_stat(kStat, {0, 1}, 100);
  EXPECT_DOUBLE_EQ(both.busy_seconds, 1.27 + 2.48);
  EXPECT_DOUBLE_EQ(both.steal_seconds, 0.40);
  // No CPUs named: the line of them all.
  EXPECT_DOUBLE_EQ(parse_proc_stat(kStat, {}, 100).busy_seconds, 3.75);
  // A CPU that is not there counts nothing; nor does a text that is no /proc/stat.
  EXPECT_DOUBLE_EQ(parse_proc_stat(kStat, {7}, 100).busy_seconds, 0);
  EXPECT_DOUBLE_EQ(parse_proc_stat("garbage\n", {0}, 100).busy_seconds, 0);
  EXPECT_DOUBLE_EQ(parse_proc_stat(kStat, {0}, 0).busy_seconds, 0);
}

TEST(DisturbanceTest, SharesAreCpusWorthOfOtherWorkAndAddUp) {
  Disturbance d{.wall_seconds = 2, .other_cpu_seconds = 1, .steal_seconds = 0.1};
  EXPECT_DOUBLE_EQ(d.other_share(), 0.5);
  EXPECT_DOUBLE_EQ(d.steal_share(), 0.05);
  EXPECT_TRUE(d.disturbed());
  EXPECT_FALSE(d.disturbed(0.6));
  d += Disturbance{.wall_seconds = 2, .other_cpu_seconds = 0, .steal_seconds = 0};
  EXPECT_DOUBLE_EQ(d.other_share(), 0.25);
  EXPECT_FALSE(Disturbance{}.disturbed());
  // A stretch shorter than /proc/stat's tick, with a tick of other work: the counter's
  // resolution, not a busy machine.
  EXPECT_DOUBLE_EQ((Disturbance{.wall_seconds = 1e-12, .other_cpu_seconds = 0.01}.other_share()),
                   1.0);
}

TEST(DisturbanceTest, AProcessSpinningBesideAMeasurementMakesItDisturbed) {
  const pid_t spinner = ::fork();
  ASSERT_GE(spinner, 0);
  if (spinner == 0) {
    for (;;) asm volatile("");
  }
  const DisturbanceMeter meter;
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const Disturbance d = meter.stop();
  ::kill(spinner, SIGKILL);
  ::waitpid(spinner, nullptr, 0);
  EXPECT_GE(d.wall_seconds, 0.4);
  // The spinner (not reaped while measured, so not this process's own) took a good share of a
  // CPU, however busy the machine is otherwise.
  EXPECT_TRUE(d.disturbed()) << d.other_share();
}

TEST(DisturbanceTest, ThisProcesssOwnWorkIsNotOtherWork) {
  const DisturbanceMeter meter;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  while (std::chrono::steady_clock::now() < until) asm volatile("");
  const Disturbance d = meter.stop();
  // Busy for 0.3 s itself: counted as its own, not as other work (up to /proc/stat's ticks and
  // whatever else this machine runs meanwhile, which this test cannot stop).
  EXPECT_LT(d.other_cpu_seconds, d.wall_seconds * 2 + 0.05);
  EXPECT_GE(d.other_cpu_seconds, 0);
}

}  // namespace
}  // namespace pygmy::measure
