// Queue: results in the order they arrive.
#pragma once

#include <cstddef>
#include <deque>
#include <exception>
#include <iterator>
#include <optional>
#include <utility>

#include "pprocess/exchange.hpp"

namespace pprocess {

/// An Exchange whose results are handed out as they arrive, whatever task produced them.
///   pprocess::Queue<int> q({.limit = 2});
///   auto calc = q.manage(pprocess::MakeParallel(slow_square));
///   for (int i = 0; i < 10; ++i) calc(i);
///   for (int r : q) std::cout << r << '\n';
template <class T>
class Queue : public Exchange {
 public:
  explicit Queue(Options options = {}) : Exchange(options) {}

  /// The next result to arrive, waiting for it; nullopt once all work has finished. A task's
  /// failure (RemoteError, ProcessDied, TimedOut, ProtocolError) is thrown in its place; calling
  /// again goes on. Once the last result of a queue of single results is taken, every process
  /// has been reaped.
  std::optional<T> next() {
    while (outcomes_.empty() && unfinished()) store();
    if (outcomes_.empty()) return std::nullopt;
    Outcome outcome = std::move(outcomes_.front());
    outcomes_.pop_front();
    if (outcomes_.empty() && unfinished() && delivered_all()) finish();
    if (outcome.error) std::rethrow_exception(outcome.error);
    return std::move(outcome.value);
  }

  /// Results that have arrived and not yet been taken.
  [[nodiscard]] std::size_t size() const noexcept { return outcomes_.size(); }

  /// Iterates over results in arrival order until all work has finished.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = T*;
    using reference = T&;
    iterator() = default;
    explicit iterator(Queue* queue) : queue_(queue), current_(queue->next()) {}
    T& operator*() const { return *current_; }
    iterator& operator++() {
      current_ = queue_->next();
      return *this;
    }
    void operator++(int) { ++*this; }
    /// Only the end compares equal to the end: a queue is read once.
    friend bool operator==(const iterator& a, const iterator& b) {
      return !a.current_.has_value() && !b.current_.has_value();
    }

   private:
    Queue* queue_ = nullptr;
    mutable std::optional<T> current_;
  };

  [[nodiscard]] iterator begin() { return iterator(this); }
  [[nodiscard]] iterator end() const noexcept { return {}; }

 protected:
  void store_data(Channel& channel) override {
    Outcome outcome;
    try {
      outcome.value.emplace(channel.template receive<T>());
    } catch (const RemoteError&) {
      outcome.error = std::current_exception();  // the task's own failure takes its place
    }
    outcomes_.push_back(std::move(outcome));
  }

  void task_failed(std::size_t, std::exception_ptr reason) override {
    outcomes_.push_back(Outcome{std::nullopt, std::move(reason)});
  }

 private:
  struct Outcome {
    std::optional<T> value;
    std::exception_ptr error;
  };

  std::deque<Outcome> outcomes_;
};

}  // namespace pprocess
