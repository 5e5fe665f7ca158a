// Tests of the memory check made before rendering: which limit it names, and what it reads.
#include "memory.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sanitized.hpp"

namespace pygmy::app {
namespace {

using Source = MemoryLimit::Source;

TEST(MemoryTest, AnImageWithinEveryLimitHasNoProblem) {
  EXPECT_EQ(memory_problem(300, 200, 1, {{Source::machine, 1'000'000}}), "");
  EXPECT_EQ(memory_problem(1000, 1000, 2, {{Source::machine, 6'000'000}}), "");
  EXPECT_EQ(memory_problem(65536, 65536, 1, {}), "");
}

TEST(MemoryTest, TheTightestLimitIsNamedWithWhatTheImageNeeds) {
  const std::vector<MemoryLimit> limits = {{Source::machine, 24'000'000'000},
                                           {Source::address_space, 1'000'000'000},
                                           {Source::control_group, 8'000'000'000}};
  EXPECT_EQ(memory_problem(65536, 65536, 1, limits),
            "a 65536x65536 image needs 12.9 GB of memory; this process may take only 1.0 GB more "
            "(ulimit -v)");
}

TEST(MemoryTest, EachLimitIsNamedAsAUserWouldChangeIt) {
  EXPECT_EQ(memory_problem(65536, 65536, 1, {{Source::machine, 3'200'000'000}}),
            "a 65536x65536 image needs 12.9 GB of memory; this machine has 3.2 GB available "
            "(MemAvailable and SwapFree)");
  EXPECT_NE(memory_problem(1000, 1000, 1, {{Source::data, 512'000}})
                .find("this process may take only 512.0 kB"),
            std::string::npos);
  EXPECT_NE(
      memory_problem(1000, 1000, 1, {{Source::data, 100}}).find("only 100 bytes more (ulimit -d)"),
      std::string::npos);
  EXPECT_NE(memory_problem(30000, 30000, 1, {{Source::control_group, 512'000'000}})
                .find("its control group may take only 512.0 MB more"),
            std::string::npos);
}

TEST(MemoryTest, TwoCopiesNeedTwiceTheMemory) {
  // The shared scheduler's framebuffer holds a second copy of the image.
  EXPECT_EQ(memory_problem(30000, 30000, 1, {{Source::machine, 3'000'000'000}}), "");
  EXPECT_EQ(memory_problem(30000, 30000, 2, {{Source::machine, 3'000'000'000}})
                .rfind("a 30000x30000 image needs 5.4 GB of memory; ", 0),
            0U);
}

TEST(MemoryTest, TheMachinesAvailableMemoryIsAlwaysALimit) {
  const std::vector<MemoryLimit> limits = memory_limits();
  EXPECT_TRUE(std::any_of(limits.begin(), limits.end(), [](const MemoryLimit& limit) {
    return limit.source == Source::machine && limit.bytes > 0;
  }));
}

TEST(MemoryTest, AnAddressSpaceLimitIsFoundLessWhatIsInUse) {
  if (kSanitized) {
    GTEST_SKIP() << "a sanitizer's shadow memory takes terabytes of address space";
  }
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_AS, &saved), 0);
  const rlim_t limit = rlim_t{64} << 30;
  if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < limit) {
    GTEST_SKIP() << "the hard limit on the address space is below 64 GiB";
  }
  rlimit lowered = saved;
  lowered.rlim_cur = limit;
  ASSERT_EQ(::setrlimit(RLIMIT_AS, &lowered), 0);
  const std::vector<MemoryLimit> limits = memory_limits();
  ASSERT_EQ(::setrlimit(RLIMIT_AS, &saved), 0);
  const auto found = std::find_if(limits.begin(), limits.end(), [](const MemoryLimit& limit) {
    return limit.source == Source::address_space;
  });
  ASSERT_NE(found, limits.end());
  EXPECT_LT(found->bytes, limit);
  EXPECT_GT(found->bytes, limit - (rlim_t{4} << 30));
}

}  // namespace
}  // namespace pygmy::app
