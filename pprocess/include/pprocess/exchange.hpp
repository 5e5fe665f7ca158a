// Exchange: watches the channels of created processes with poll, keeping at most `limit` alive.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <typeindex>
#include <utility>
#include <vector>

#include "pprocess/channel.hpp"
#include "pprocess/process.hpp"

namespace pprocess {

/// How an Exchange schedules its processes.
///   pprocess::Exchange ex({.limit = 4, .reuse = true}, handler);
struct Options {
  /// The most processes alive at once; unset means available_cpus(). 0 is rejected.
  std::optional<std::size_t> limit{};
  /// Hand a finished worker the next queued task of the same callable instead of forking.
  bool reuse = false;
  /// Processes send any number of values; a channel stays until its process ends.
  bool continuous = false;
  /// Close (and reap) a channel as soon as its process ends.
  bool autoclose = true;
  /// A task still running this long after it started is ended (SIGTERM, then SIGKILL after a
  /// grace period) and reported as TimedOut at its position. Unset, or too long to add to the
  /// clock (milliseconds::max()): no deadline. In continuous mode the deadline is the whole
  /// process's. A background process (Persistent) is reported but not ended.
  std::optional<std::chrono::milliseconds> task_timeout{};
};

class Exchange;

namespace detail {

/// Which callable a task runs: a reusable worker only ever runs tasks of its own callable.
struct CallableKey {
  std::type_index type = typeid(void);
  std::uintptr_t identity = 0;
  /// The argument types: a worker decodes the tuple of its first call's types.
  std::type_index arguments = typeid(void);
  friend bool operator==(const CallableKey&, const CallableKey&) = default;
};

/// A unit of work waiting for, or running in, a process.
struct Task {
  std::size_t id = 0;
  CallableKey key;
  /// Runs in a fresh created process: f(channel, args...).
  std::function<void(Channel&)> run;
  /// When set, starts the task's process some other way and returns the channel to watch (a
  /// persistent process: see persistent.hpp); `run` is then not used.
  std::function<Channel()> launch;
  /// Reuse mode: the arguments, encoded for a worker; empty when they cannot be serialised.
  std::function<std::string()> encode_args;
  /// Reuse mode: the encoded arguments while the task waits for a worker with room for them.
  std::optional<std::string> encoded_args;
  /// Reuse mode: the size of the arguments handed to a worker, once they have been.
  std::size_t posted_bytes = 0;
};

/// The state of one watched channel: defined in src/, where the Exchange's jobs live.
struct Worker;

template <class F>
concept Wrapper = requires(const F& f) {
  f.callable();
};

}  // namespace detail

/// Calls `f` through an Exchange: each call starts a process (or queues one when busy).
///   auto calc = exchange.manage(pprocess::MakeParallel(calculate));
///   calc(i, j);
template <class F>
class ManagedCallable {
 public:
  ManagedCallable(Exchange& exchange, F f, detail::CallableKey key)
      : exchange_(&exchange), f_(std::move(f)), key_(key) {}

  template <class... Args>
  void operator()(Args&&... args);

 private:
  Exchange* exchange_;
  F f_;
  detail::CallableKey key_;
};

/// Watches channels with poll and calls `store_data` (or the handler) when one has data.
/// Either subclass it and override `store_data`, or pass a handler.
///   pprocess::Exchange ex({.limit = 2}, [&](pprocess::Channel& c) { sum += c.receive<int>(); });
///   for (int i = 0; i < 10; ++i) ex.start([](pprocess::Channel& c, int x) { c.send(x); }, i);
///   ex.finish();
class Exchange {
 public:
  using Handler = std::function<void(Channel&)>;
  using milliseconds = std::chrono::milliseconds;

  explicit Exchange(Options options = {}, Handler handler = {});
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;
  Exchange(Exchange&&) noexcept;
  Exchange& operator=(Exchange&&) = delete;
  /// Queued tasks are dropped. Processes that still owe work are ended (SIGTERM, then SIGKILL
  /// after a second); those that delivered are waited for (they may be flushing their output),
  /// for at most ten seconds. Every process is reaped.
  virtual ~Exchange();

  /// The limit in force: the option, or available_cpus(), lowered when the system refused a
  /// process (fork's EAGAIN, a descriptor limit) while others ran: to one less than those
  /// running then (at least one), so that the creator keeps room for descriptors of its own.
  [[nodiscard]] std::size_t limit() const noexcept { return limit_; }
  [[nodiscard]] const Options& options() const noexcept { return options_; }

  /// Watches a channel made elsewhere (a persistent connection, say).
  ///   ex.add(pprocess::connect_persistent("task.socket"));
  void add(Channel channel);
  /// Watches a created process's channel, and owns the process from now on.
  ///   ex.add(pprocess::start(work));
  void add(Child child);
  /// Waits until the exchange is not busy, then adds the channel.
  void add_wait(Channel channel);
  /// Waits until the exchange is not busy, then adds the created process.
  void add_wait(Child child);
  /// Number of channels being watched.
  [[nodiscard]] std::size_t active() const noexcept { return workers_.size(); }
  /// Channels with data to read, waiting at most `timeout` (forever when unset). Channels whose
  /// process ended are removed (see `removed`).
  ///   for (pprocess::Channel* c : ex.ready(100ms)) use(c->receive<int>());
  [[nodiscard]] std::vector<Channel*> ready(std::optional<milliseconds> timeout = std::nullopt);
  /// Stops watching a channel; with autoclose it is closed and its process reaped.
  void remove(Channel& channel);
  /// Channels removed by the last `ready`, each with its process (see Child). With
  /// autoclose=false they stay open, owned by the exchange until it is destroyed.
  ///   for (pprocess::Child* c : ex.removed()) log(c->exit_status()->describe());
  [[nodiscard]] const std::vector<Child*>& removed() const noexcept { return removed_; }
  /// The process behind a watched channel; nullptr for a channel to a process this exchange
  /// did not create (see add).
  ///   if (pprocess::Process* p = ex.process_of(channel)) p->signal(SIGTERM);
  [[nodiscard]] Process* process_of(const Channel& channel) noexcept;
  /// The process `pid` of a watched channel; nullptr once it has been reaped (its pid may then
  /// be another process's), or for a pid this exchange never created.
  ///   if (pprocess::Process* p = ex.process_of(late_pid)) p->signal(SIGKILL);
  [[nodiscard]] Process* process_of(pid_t pid) noexcept;
  /// Whether work is running or queued.
  [[nodiscard]] bool unfinished() const noexcept { return !workers_.empty() || !queue_.empty(); }
  /// Whether as many processes are alive as the limit allows.
  [[nodiscard]] bool busy() const noexcept { return workers_.size() >= limit_; }
  /// Processes forked so far (a measure of what reuse saves).
  [[nodiscard]] std::size_t forks() const noexcept { return forks_; }
  /// Changes Options::task_timeout, for the tasks running now as for those to come (a deadline
  /// that has already passed ends its task at the next store).
  ///   ex.set_task_timeout(std::chrono::seconds(30));
  void set_task_timeout(std::optional<milliseconds> timeout);
  /// Stores data until the exchange is no longer busy.
  void wait();
  /// Stores data until all work has finished.
  void finish();
  /// Starts queued work that fits, then handles each channel with data, waiting at most
  /// `timeout` for one. A task that failed (its process died, ran past its deadline, or sent
  /// bytes that are not a value) is reported to `task_failed`.
  void store(std::optional<milliseconds> timeout = std::nullopt);

  /// Starts `f(channel, args...)` in a new process now, or queues it (FIFO) when busy.
  ///   ex.start(calculate, i, j);
  template <class F, class... Args>
  void start(F&& f, Args&&... args) {
    start_keyed(key_of(f), std::forward<F>(f), std::forward<Args>(args)...);
  }

  /// Forks within the limit (waiting for a free slot). Returns the channel in the created
  /// process, which must end with pprocess::exit; nullopt in the creator, which watches it.
  ///   if (auto ch = ex.create()) { ch->send(work(i)); pprocess::exit(*ch); }
  [[nodiscard]] std::optional<Channel> create();

  /// Wraps `f` so that each call starts it through this exchange.
  ///   auto calc = ex.manage(pprocess::MakeParallel(calculate));  calc(1, 2);
  template <class F>
  [[nodiscard]] ManagedCallable<std::decay_t<F>> manage(F&& f) {
    const detail::CallableKey key = unique_key(typeid(std::decay_t<F>));
    return ManagedCallable<std::decay_t<F>>(*this, std::forward<F>(f), key);
  }

 protected:
  /// Called when `channel` has data. The default calls the handler given at construction.
  virtual void store_data(Channel& channel);
  /// Called when task `task` failed: `reason` holds a ProcessDied (its process ended without
  /// delivering), a TimedOut (it ran past Options::task_timeout) or a ProtocolError (its bytes
  /// were no value of the expected type; its process was ended). The default rethrows it.
  virtual void task_failed(std::size_t task, std::exception_ptr reason);
  /// The task `channel` is working on, if it was started by this exchange.
  [[nodiscard]] std::optional<std::size_t> task_of(const Channel& channel) const;
  /// Whether task `task` is in a process now: running, or delivered while its process has not
  /// yet ended (a reusable worker moves on from a task as soon as it delivers).
  [[nodiscard]] bool task_running(std::size_t task) const noexcept;
  /// How long the task `channel` is working on has been running.
  [[nodiscard]] std::optional<milliseconds> task_elapsed(const Channel& channel) const;
  /// How many tasks have been submitted (started, queued or created); task ids are 0..n-1.
  [[nodiscard]] std::size_t tasks_submitted() const noexcept { return next_task_; }
  /// Whether every task has delivered (or failed) and nothing else is watched: what is still
  /// running only has to end.
  [[nodiscard]] bool delivered_all() const noexcept;

  /// Starts a task whose callable is identified by `key` (tasks sharing a key share workers).
  template <class F, class... Args>
  void start_keyed(detail::CallableKey key, F&& f, Args&&... args);

  /// A key no other callable has.
  [[nodiscard]] detail::CallableKey unique_key(std::type_index type) noexcept {
    return {type, ++next_key_};
  }

  /// Gives `task` the next task id and queues it; queued tasks start while there is room.
  void submit(detail::Task task);

 private:
  template <class F>
  friend class ManagedCallable;

  using Worker = detail::Worker;
  using Clock = std::chrono::steady_clock;

  template <class F>
  detail::CallableKey key_of(const F& f) noexcept {
    using D = std::decay_t<F>;
    if constexpr (detail::Wrapper<D>) {
      detail::CallableKey inner = key_of(f.callable());
      inner.type = typeid(D);
      return inner;
    } else if constexpr (std::is_pointer_v<D> && std::is_function_v<std::remove_pointer_t<D>>) {
      return {typeid(D), reinterpret_cast<std::uintptr_t>(+f)};
    } else if constexpr (std::is_empty_v<D>) {
      return {typeid(D), 0};
    } else {
      return unique_key(typeid(D));
    }
  }

  // The limit and the FIFO queue (exchange_launch.cpp).
  void watch(Child child, std::optional<detail::Task> task);
  void start_queued();
  bool launch(detail::Task& task, std::exception_ptr& failure);
  bool short_of_processes(int error);
  // The poll loop (exchange_poll.cpp).
  void poll_workers(std::vector<Channel*>& with_data, std::optional<Clock::time_point> until);
  void expire_deadlines(const std::vector<Channel*>& with_data);
  // Reuse (exchange_reuse.cpp): results in, the next tasks out.
  void after_delivery(Worker& worker, std::size_t frames_before);
  void hand_over(Worker& worker);
  // Failures and the end of processes (exchange_settle.cpp).
  void fail(Worker& worker, std::exception_ptr reason);
  bool settle_ended();
  void retire(std::size_t index);
  std::optional<std::size_t> settle_tasks(Worker& worker, std::exception_ptr& reason);
  void end_all() noexcept;
  // Bookkeeping (exchange.cpp).
  void deliver(Channel& channel);
  Worker* worker_of(const Channel& channel) noexcept;
  void keep_removed(Child child);
  std::size_t index_of(const Channel& channel) const;

  Options options_;
  std::size_t limit_;
  Handler handler_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::deque<detail::Task> queue_;
  std::vector<Child*> removed_;
  // Removed channels: until the next ready() with autoclose, for good without it.
  std::vector<std::unique_ptr<Child>> closed_;
  std::size_t next_task_ = 0;
  std::size_t forks_ = 0;
  std::uintptr_t next_key_ = 0;
  pid_t owner_;
};

template <class F, class... Args>
void Exchange::start_keyed(detail::CallableKey key, F&& f, Args&&... args) {
  // std::function needs a copyable target; the shared state lets move-only arguments queue.
  using State = std::tuple<std::decay_t<F>, std::decay_t<Args>...>;
  auto state = std::make_shared<State>(std::forward<F>(f), std::forward<Args>(args)...);
  detail::Task task;
  task.key = key;
  task.key.arguments = typeid(std::tuple<std::decay_t<Args>...>);
  task.run = [state](Channel& channel) {
    std::apply([&channel](auto& fn, auto&... a) { std::invoke(fn, channel, std::move(a)...); },
               *state);
  };
  if constexpr (detail::serialisable<std::decay_t<Args>...>) {
    task.encode_args = [state] {
      std::string bytes;
      std::apply(
          [&bytes](const auto&, const auto&... a) {
            detail::encode(std::tuple<std::decay_t<Args>...>(a...), bytes);
          },
          *state);
      return bytes;
    };
  }
  submit(std::move(task));
}

template <class F>
template <class... Args>
void ManagedCallable<F>::operator()(Args&&... args) {
  exchange_->start_keyed(key_, f_, std::forward<Args>(args)...);
}

}  // namespace pprocess
