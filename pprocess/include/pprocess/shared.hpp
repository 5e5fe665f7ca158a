// Shared<T>: an object in memory that a creator shares with the processes it creates.
#pragma once

#include <algorithm>
#include <cstddef>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

namespace pprocess {

namespace detail {
/// A shared anonymous mapping of at least `bytes` (MAP_SHARED): std::bad_alloc if there is none.
void* map_shared(std::size_t bytes);
void unmap_shared(void* memory, std::size_t bytes) noexcept;
}  // namespace detail

/// `count` objects of type T in memory mapped before processes are created, so the creator and
/// every process it creates afterwards see the same objects (not copies): for counters and
/// flags that processes update together, such as a std::atomic<int> of the next work item. T
/// must be usable from several processes at once: lock-free atomics and plain data written by one
/// process at a time. Created processes must not destroy it; the creator's destructor does.
///   pprocess::Shared<std::atomic<int>> next(1);
///   auto work = [&](pprocess::Channel& c) { for (int i = (*next)++; i < n; i = (*next)++) ... };
template <class T>
class Shared {
  static_assert(std::is_nothrow_destructible_v<T>);

 public:
  /// `count` objects, each constructed from `args`.
  template <class... Args>
  explicit Shared(std::size_t count, const Args&... args)
      : objects_(static_cast<T*>(detail::map_shared(std::max<std::size_t>(count, 1) * sizeof(T)))),
        count_(count) {
    // A fresh mapping is zero-filled: numbers value-initialised need no write (and no page
    // fault per page of a large buffer).
    if constexpr (!(std::is_arithmetic_v<T> && sizeof...(Args) == 0)) {
      for (std::size_t i = 0; i < count_; ++i) new (objects_ + i) T(args...);
    }
  }
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;
  ~Shared() {
    for (std::size_t i = 0; i < count_; ++i) objects_[i].~T();
    detail::unmap_shared(objects_, std::max<std::size_t>(count_, 1) * sizeof(T));
  }

  [[nodiscard]] T& operator*() const noexcept { return objects_[0]; }
  [[nodiscard]] T* operator->() const noexcept { return objects_; }
  [[nodiscard]] T& operator[](std::size_t i) const noexcept { return objects_[i]; }
  [[nodiscard]] std::span<T> all() const noexcept { return {objects_, count_}; }
  [[nodiscard]] std::size_t size() const noexcept { return count_; }

 private:
  T* objects_;
  std::size_t count_;
};

}  // namespace pprocess
