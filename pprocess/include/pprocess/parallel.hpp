// Wrappers that turn an ordinary function into one a created process runs: MakeParallel,
// MakeReusable.
#pragma once

#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "pprocess/channel.hpp"

namespace pprocess {

/// `f(args...)` run in a created process, its result sent to the creator.
template <class F>
class Parallel {
 public:
  explicit Parallel(F f) : f_(std::move(f)) {}

  template <class... Args>
  void operator()(Channel& channel, Args&&... args) {
    using Result = std::invoke_result_t<F&, Args...>;
    static_assert(!std::is_void_v<Result>, "pprocess: a parallel function must return its result");
    channel.send(std::invoke(f_, std::forward<Args>(args)...));
  }

  /// The wrapped function.
  [[nodiscard]] const F& callable() const noexcept { return f_; }

 private:
  F f_;
};

/// Like Parallel, then, where the Exchange offers reuse, serves further argument tuples sent by
/// it until told to stop. Its arguments must be serialisable.
template <class F>
class Reusable {
 public:
  explicit Reusable(F f) : f_(std::move(f)) {}

  template <class... Args>
  void operator()(Channel& channel, Args&&... args) {
    if (!channel.offers_reuse()) {
      channel.send(std::invoke(f_, std::forward<Args>(args)...));
      return;
    }
    // The Exchange reads results and hands out tasks in a pipeline: results are posted, so the
    // next task (already waiting in the channel) starts without a round trip.
    channel.post(std::invoke(f_, std::forward<Args>(args)...));
    using Next = std::tuple<std::decay_t<Args>...>;
    while (std::optional<Next> next = channel.receive_or_stop<Next>()) {
      channel.post(std::apply(f_, std::move(*next)));
    }
  }

  /// The wrapped function.
  [[nodiscard]] const F& callable() const noexcept { return f_; }

 private:
  F f_;
};

/// Turns `R f(args...)` into a callable `(Channel&, args...)` that sends the result.
///   exchange.start(pprocess::MakeParallel(calculate), i, j);
template <class F>
[[nodiscard]] Parallel<std::decay_t<F>> MakeParallel(F&& f) {
  return Parallel<std::decay_t<F>>(std::forward<F>(f));
}

/// Like MakeParallel; in an Exchange with `reuse`, one process then runs many tasks.
///   auto calc = exchange.manage(pprocess::MakeReusable(calculate));
template <class F>
[[nodiscard]] Reusable<std::decay_t<F>> MakeReusable(F&& f) {
  return Reusable<std::decay_t<F>>(std::forward<F>(f));
}

}  // namespace pprocess
