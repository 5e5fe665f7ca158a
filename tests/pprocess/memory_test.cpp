// Memory a creator keeps from its processes (not_inherited_memory) and memory it shares with them
// (Shared).
#include "pprocess/memory.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <vector>

#include <gtest/gtest.h>

#include "fork_test.hpp"
#include "pprocess/process.hpp"
#include "pprocess/shared.hpp"

namespace pprocess {
namespace {

class MemoryTest : public testing::ForkTest {};

long minor_faults() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

TEST_F(MemoryTest, WritesAfterAForkAreNoCopyOnWriteFaultsForMemoryTheChildDoesNotInherit) {
  constexpr std::size_t kBytes = std::size_t{8} << 20;  // 2048 pages
  std::pmr::vector<std::uint8_t> kept(kBytes, 1, not_inherited_memory());
  std::vector<std::uint8_t> inherited(kBytes, 1);
  Child child = start([](Channel& c) { static_cast<void>(c.receive<int>()); });
  const long before = minor_faults();
  std::memset(kept.data(), 2, kBytes);
  const long after_kept = minor_faults();
  std::memset(inherited.data(), 2, kBytes);
  const long after_inherited = minor_faults();
  child.send(0);
  EXPECT_LT(after_kept - before, 16) << "the child shares the pages: each write copies one";
  EXPECT_GT(after_inherited - after_kept, 256) << "ordinary memory was not shared after all";
}

TEST_F(MemoryTest, ACreatedProcessHasNoPagesOfIt) {
  std::pmr::vector<std::uint8_t> kept(4096, 7, not_inherited_memory());
  Child child = start([&kept](Channel& c) { c.send(static_cast<int>(kept[100])); });
  EXPECT_THROW(static_cast<void>(child.receive<int>()), Error);
  child.close();
  ASSERT_TRUE(child.exit_status().has_value());
  EXPECT_TRUE(child.exit_status()->signal.has_value() || child.exit_status()->exit_code != 0)
      << "the child read memory it should not have";
}

TEST_F(MemoryTest, AllocationsOfAnySizeAreUsableAndReturned) {
  std::pmr::memory_resource* memory = not_inherited_memory();
  for (const std::size_t bytes : {std::size_t{1}, std::size_t{4096}, std::size_t{3} << 20}) {
    void* p = memory->allocate(bytes, 64);
    std::memset(p, 0xAB, bytes);
    EXPECT_EQ(static_cast<unsigned char*>(p)[bytes - 1], 0xAB);
    memory->deallocate(p, bytes, 64);
  }
  EXPECT_TRUE(memory->is_equal(*not_inherited_memory()));
  EXPECT_FALSE(memory->is_equal(*std::pmr::new_delete_resource()));
}

TEST_F(MemoryTest, AProcessCreatedAfterSharedMemoryIsMappedSeesTheSameObjects) {
  const Shared<std::atomic<int>> counters(2, 0);
  Child child = start([&counters](Channel& c) {
    for (int i = 0; i < 1000; ++i) ++counters[0];
    counters[1] = 42;
    c.send(true);
  });
  for (int i = 0; i < 1000; ++i) ++counters[0];
  EXPECT_TRUE(child.receive<bool>());
  child.close();
  EXPECT_EQ(counters[0].load(), 2000);
  EXPECT_EQ(counters[1].load(), 42);
  EXPECT_EQ(counters.size(), 2U);
}

}  // namespace
}  // namespace pprocess
