// Memory that created processes do not inherit (one populated mapping per allocation, in huge
// pages when it is large enough), and memory they share with their creator.
#include "pprocess/memory.hpp"
#include "pprocess/shared.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <new>

namespace pprocess {

namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

std::size_t round_up(std::size_t bytes, std::size_t unit) noexcept {
  return (bytes + unit - 1) / unit * unit;
}

/// What an allocation of `bytes` maps: whole pages, whole huge pages from one huge page up.
std::size_t mapped_size(std::size_t bytes) noexcept {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t pages = round_up(bytes == 0 ? 1 : bytes, page);
  return pages >= kHugePage ? round_up(pages, kHugePage) : pages;
}

class NotInheritedMemory final : public std::pmr::memory_resource {
 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    if (alignment > static_cast<std::size_t>(::sysconf(_SC_PAGESIZE))) throw std::bad_alloc();
    const std::size_t size = mapped_size(bytes);
    const bool huge = size >= kHugePage;
    // A huge mapping is placed on a huge-page boundary: map one huge page more, trim the ends.
    const std::size_t reserved = huge ? size + kHugePage : size;
    void* mapped =
        ::mmap(nullptr, reserved, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    auto* base = static_cast<char*>(mapped);
    char* start = base;
    if (huge) {
      start = reinterpret_cast<char*>(round_up(reinterpret_cast<std::uintptr_t>(base), kHugePage));
      if (start > base) ::munmap(base, static_cast<std::size_t>(start - base));
      char* end = start + size;
      if (base + reserved > end) ::munmap(end, static_cast<std::size_t>(base + reserved - end));
      // One fault per 2 MiB instead of 512: on a virtual machine each fault is costly.
      static_cast<void>(::madvise(start, size, MADV_HUGEPAGE));
    }
    if (::madvise(start, size, MADV_DONTFORK) != 0) {
      ::munmap(start, size);
      throw std::bad_alloc();
    }
    // The pages are made present now, in one system call, not a fault at a time as they are
    // written (a kernel without MADV_POPULATE_WRITE faults them in later instead).
    static_cast<void>(::madvise(start, size, MADV_POPULATE_WRITE));
    return start;
  }

  void do_deallocate(void* memory, std::size_t bytes, std::size_t) override {
    ::munmap(memory, mapped_size(bytes));
  }

  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
};

}  // namespace

namespace detail {

void* map_shared(std::size_t bytes) {
  void* memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw std::bad_alloc();
  return memory;
}

void unmap_shared(void* memory, std::size_t bytes) noexcept { ::munmap(memory, bytes); }

}  // namespace detail

std::pmr::memory_resource* not_inherited_memory() noexcept {
  static NotInheritedMemory resource;  // stateless: every allocation is its own mapping
  return &resource;
}

}  // namespace pprocess
