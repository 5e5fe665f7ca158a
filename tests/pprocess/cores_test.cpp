// Core counting: physical cores, and the CPUs the affinity mask allows.
#include "pprocess/cores.hpp"

#include <sched.h>
#include <unistd.h>

#include <cstdlib>

#include <gtest/gtest.h>

#include "fork_test.hpp"
#include "pprocess/process.hpp"

namespace pprocess {
namespace {

class CoresTest : public testing::ForkTest {};

TEST_F(CoresTest, CountsAreAtLeastOneAndCoresNeverExceedOnlineCpus) {
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  ASSERT_GE(online, 1);
  EXPECT_GE(get_number_of_cores(), 1U);
  EXPECT_LE(get_number_of_cores(), static_cast<unsigned>(online));
  EXPECT_GE(available_cpus(), 1U);
  EXPECT_LE(available_cpus(), static_cast<unsigned>(online));
}

TEST_F(CoresTest, AvailableCpusFollowsTheAffinityMask) {
  Child channel = start([](Channel& c) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    if (::sched_setaffinity(0, sizeof one, &one) != 0)
      throw std::runtime_error("sched_setaffinity");
    c.send(available_cpus());
  });
  EXPECT_EQ(channel.receive<unsigned>(), 1U);
}

// Run by CTest under `taskset -c 0` with PPROCESS_EXPECT_CPUS=1.
TEST_F(CoresTest, AvailableCpusMatchesTheExpectedCount) {
  const char* expected = std::getenv("PPROCESS_EXPECT_CPUS");
  if (expected == nullptr) GTEST_SKIP() << "run through CTest, under taskset";
  EXPECT_EQ(available_cpus(), static_cast<unsigned>(std::atoi(expected)));
}

}  // namespace
}  // namespace pprocess
