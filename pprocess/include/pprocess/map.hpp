// Map and pmap: results in input order, each available as soon as its own task has finished.
#pragma once

#include <cstddef>
#include <exception>
#include <iterator>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "pprocess/exchange.hpp"
#include "pprocess/parallel.hpp"

namespace pprocess {

/// An Exchange whose results are kept in submission order.
///   pprocess::Map<int> squares({.limit = 4});
///   squares([](int x) { return x * x; }, std::vector{1, 2, 3});
///   for (int s : squares) std::cout << s << '\n';
template <class R>
class Map : public Exchange {
 public:
  explicit Map(Options options = {}) : Exchange(options) {}

  /// Starts `f(x)` for each input (queued beyond the limit). A plain `f` is wrapped with
  /// MakeParallel (MakeReusable in reuse mode); an `f(Channel&, x)` is used as it is.
  template <class F, std::ranges::input_range Range>
  void operator()(F&& f, Range&& inputs) {
    using Input = std::ranges::range_reference_t<Range>;
    const detail::CallableKey key = unique_key(typeid(std::decay_t<F>));
    if constexpr (std::is_invocable_v<std::decay_t<F>&, Channel&, Input>) {
      for (auto&& x : inputs) start_keyed(key, f, x);
    } else {
      static_assert(std::is_same_v<std::decay_t<std::invoke_result_t<std::decay_t<F>&, Input>>, R>,
                    "pprocess::Map<R>: the function must return R");
      if (options().reuse) {
        const auto wrapped = MakeReusable(std::forward<F>(f));
        for (auto&& x : inputs) start_keyed(key, wrapped, x);
      } else {
        const auto wrapped = MakeParallel(std::forward<F>(f));
        for (auto&& x : inputs) start_keyed(key, wrapped, x);
      }
    }
  }

  /// The result of task `index`, waiting for it if needed: for its value, then for its process
  /// to end (so that a value is final). Throws what the task raised (RemoteError), ProcessDied
  /// if its process ended without delivering, TimedOut if it ran past Options::task_timeout,
  /// ProtocolError if it sent something that is not an R, or more than one value. Once every
  /// task has a result, every process has been reaped.
  ///   int r = m[57];
  const R& operator[](std::size_t index) {
    if (index >= size()) {
      throw std::out_of_range("pprocess::Map: no task " + std::to_string(index) + " (size " +
                              std::to_string(size()) + ")");
    }
    while (!slot(index).ready() || (!slot(index).error && task_running(index))) {
      if (!unfinished()) {
        throw std::logic_error("pprocess::Map: task " + std::to_string(index) +
                               " finished without a result");
      }
      store();
    }
    // Every result is in: the processes that delivered them are about to end, and are not left
    // waiting for finish().
    if (unfinished() && delivered_all()) finish();
    const Slot& s = slot(index);
    if (s.error) std::rethrow_exception(s.error);
    return *s.value;
  }

  /// Number of tasks submitted.
  [[nodiscard]] std::size_t size() const noexcept { return tasks_submitted(); }

  /// Iterates over the results in input order, each as soon as it is ready.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = R;
    using difference_type = std::ptrdiff_t;
    using pointer = const R*;
    using reference = const R&;
    iterator() = default;
    iterator(Map* map, std::size_t index) : map_(map), index_(index) {}
    const R& operator*() const { return (*map_)[index_]; }
    iterator& operator++() {
      ++index_;
      return *this;
    }
    void operator++(int) { ++index_; }
    friend bool operator==(const iterator& a, const iterator& b) { return a.index_ == b.index_; }

   private:
    Map* map_ = nullptr;
    std::size_t index_ = 0;
  };

  [[nodiscard]] iterator begin() { return iterator(this, 0); }
  [[nodiscard]] iterator end() { return iterator(this, size()); }

 protected:
  void store_data(Channel& channel) override {
    const std::optional<std::size_t> task = task_of(channel);
    if (!task) throw ProtocolError("pprocess::Map: data from a channel it did not start");
    Slot& s = slot(*task);
    // A task delivers one value: a second is read (it may be an error report, which says more),
    // then refused.
    const bool second = s.value.has_value();
    try {
      if (second) {
        R extra{};
        channel.receive_into(extra);
      } else {
        channel.receive_into(s.value.emplace());
      }
    } catch (const RemoteError&) {
      s.value.reset();
      s.error = std::current_exception();  // the task's own failure belongs in its slot
      return;
    } catch (...) {
      s.value.reset();
      throw;  // the Exchange's to settle: ProtocolError, or a process that left
    }
    if (second) {
      throw ProtocolError("pprocess::Map: task " + std::to_string(*task) +
                          " sent a second value (a Map task delivers one result)");
    }
  }

  void task_failed(std::size_t task, std::exception_ptr reason) override {
    slot(task).error = std::move(reason);
  }

 private:
  struct Slot {
    std::optional<R> value;
    std::exception_ptr error;
    [[nodiscard]] bool ready() const noexcept { return value.has_value() || error != nullptr; }
  };

  Slot& slot(std::size_t task) {
    if (task >= slots_.size()) slots_.resize(task + 1);
    return slots_[task];
  }

  std::vector<Slot> slots_;
};

/// Runs `f(x)` for every input in parallel, at most `limit` processes at once (unset:
/// available_cpus()). The Map returned gives the results in input order.
///   auto squares = pprocess::pmap([](int x) { return x * x; }, std::views::iota(0, 100), 4);
template <class F, std::ranges::input_range Range>
[[nodiscard]] auto pmap(F&& f, Range&& inputs, std::optional<std::size_t> limit = std::nullopt,
                        bool reuse = false) {
  using R =
      std::decay_t<std::invoke_result_t<std::decay_t<F>&, std::ranges::range_reference_t<Range>>>;
  Map<R> results(Options{.limit = limit, .reuse = reuse});
  results(std::forward<F>(f), std::forward<Range>(inputs));
  return results;
}

}  // namespace pprocess
