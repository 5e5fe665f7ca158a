// Persistent and background processes: work that goes on, detached, behind a UNIX socket, and
// whose results a later process of the same user collects by connecting to that socket.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "pprocess/channel.hpp"
#include "pprocess/error.hpp"
#include "pprocess/exchange.hpp"
#include "pprocess/process.hpp"
#include "pprocess/queue.hpp"

namespace pprocess {

/// The version of the handshake that opens every persistent connection; both ends must speak
/// the same one. Version 2: the server's hello says whether it is serving another client.
inline constexpr std::uint32_t kPersistentProtocolVersion = 2;

/// How long a background process waits for a client to acknowledge a message it has been sent
/// (plus a second for every 8 MiB of the message) before it drops the client, keeping the
/// message for the next: a client that was stopped (Ctrl-Z) or hangs holds nobody up for ever.
/// The environment variable PPROCESS_RECEIPT_TIMEOUT (seconds, a decimal number above 0, read by
/// start_persistent) sets another bound for the processes started meanwhile: a shorter one for
/// tests.
inline constexpr std::chrono::seconds kReceiptTimeout{30};

/// What connect_persistent throws when the background process is serving another client (it
/// serves one at a time): holder() is that client's process id. Nothing is lost: try again
/// later, or end that client.
///   try { auto ch = pprocess::connect_persistent("task.socket"); ... }
///   catch (const pprocess::Busy& e) { std::cerr << "in use by process " << e.holder() << '\n'; }
class Busy : public Error {
 public:
  Busy(const std::string& what, pid_t holder) : Error(what), holder_(holder) {}
  /// The process of the client being served.
  [[nodiscard]] pid_t holder() const noexcept { return holder_; }

 private:
  pid_t holder_;
};

namespace detail {
/// Makes the background process serving at `address` (see create_persistent).
Channel create_persistent(const std::string& address);
/// Whether `error` says the system is out of processes, descriptors or memory for now.
bool runs_short(const std::system_error& error) noexcept;
/// A channel that delivers `error` as an error report, then ends: a start that failed, reported
/// at its task as an exception in its function would be.
Channel failed_start(const std::system_error& error);
}  // namespace detail

/// Starts a background process that serves at `address`, a UNIX socket path of at most 107
/// bytes, and returns a channel to it in both processes.
/// - In the background process the channel's pid() is 0. What is sent on it is kept by the
///   process's server until a client has acknowledged it (send returns once the server has it,
///   whatever its clients do, up to 64 MiB held); the process must end with pprocess::exit. It
///   has its own session, /dev/null as its standard streams, no other descriptor of its
///   starter's, "/" as its working directory (resolve relative paths before starting it), and it
///   outlives its starter.
/// - In the starter the channel is a connection to it, its first client, whose pid() is the
///   background process's id (not a child: nobody waits for it). Receive on it, or close it and
///   connect_persistent later, from this or any process of the same user.
/// The socket is listening before this returns, has mode 0600, and is removed when the
/// background process ends: once its work has ended and every message it sent has been
/// acknowledged. A background process whose socket file is removed or replaced can never be
/// reached again: it notices within seconds and ends, killing its work. A socket file nobody
/// listens on is replaced; an address where a process listens is a std::system_error with code
/// EADDRINUSE, as is a file there that is not a socket. An address too long for a socket is a
/// std::system_error with code ENAMETOOLONG naming it; a bad PPROCESS_RECEIPT_TIMEOUT (see
/// kReceiptTimeout), std::invalid_argument naming it.
///   pprocess::Channel ch = pprocess::create_persistent("task.socket");
///   if (ch.pid() == 0) { ch.send(compute()); pprocess::exit(ch); }
[[nodiscard]] inline Channel create_persistent(const std::string& address) {
  return detail::create_persistent(address);
}

/// Like pprocess::start, in a background process serving at `address` (see create_persistent):
/// f(channel, args...) runs there, then the process ends once a client has everything it sent.
/// An exception escaping f reaches the client that collects as RemoteError.
///   pprocess::start_persistent("task.socket", pprocess::MakeParallel(render), scene).close();
///   ...later, in any process of the same user...
///   auto image = pprocess::connect_persistent("task.socket").receive<Image>();
template <class F, class... Args>
[[nodiscard]] Channel start_persistent(const std::string& address, F&& f, Args&&... args) {
  Channel channel = detail::create_persistent(address);
  if (channel.pid() != 0) return channel;
  // As in start: the background process's copy of the arguments is its own, used in place.
  detail::run_and_exit(
      channel, [&] { std::invoke(std::forward<F>(f), channel, std::forward<Args>(args)...); });
}

/// How long connect_persistent waits for the background process to answer, unless told.
inline constexpr std::chrono::milliseconds kConnectTimeout = std::chrono::seconds(30);

/// Connects to the background process serving at `address`. Its messages arrive as on any
/// channel: receive<T> each, RemoteError where its work threw, ChannelClosed once it has
/// delivered everything (it then ends). Acknowledge each within kReceiptTimeout (receive does,
/// once it has the value), or the process drops this client and keeps the message for the next.
/// A process serves one client at a time: while another is connected, even one in this process,
/// this throws Busy naming it, at once. A listener that does not answer within `timeout` is a
/// std::system_error with code ETIMEDOUT naming the address (milliseconds::max(): as long as it
/// takes). Nobody listening at `address` (no file, or a file left by a process that was killed)
/// is a std::system_error with code ECONNREFUSED or ENOENT whose message names the address; a
/// process of another user, EPERM; a process that closes the connection without a handshake,
/// ChannelClosed; something that is not a pprocess background process, or one of another
/// protocol version, ProtocolError.
///   pprocess::Channel ch = pprocess::connect_persistent("task.socket");
///   auto results = ch.receive<std::vector<int>>();
[[nodiscard]] Channel connect_persistent(const std::string& address,
                                         std::chrono::milliseconds timeout = kConnectTimeout);

/// A callable that runs `f` in a background process serving at `address` each time it is called,
/// and leaves it there, watched by nobody (collect with BackgroundQueue or connect_persistent).
/// Returns the background process's id. One address serves one process at a time.
///   pprocess::BackgroundCallable ptask("task.socket", pprocess::MakeParallel(task));
///   ptask();
template <class F>
class BackgroundCallable {
 public:
  BackgroundCallable(std::string address, F f) : address_(std::move(address)), f_(std::move(f)) {}

  template <class... Args>
  pid_t operator()(Args&&... args) {
    return start_persistent(address_, f_, std::forward<Args>(args)...).pid();
  }

  [[nodiscard]] const std::string& address() const noexcept { return address_; }

 private:
  std::string address_;
  F f_;
};

/// What Persistent::manage returns: each call starts `f` in a background process serving at the
/// address, through the exchange (which must outlive it).
///   auto ptask = exchange.manage("task.socket", pprocess::MakeParallel(task));
///   ptask();
template <class F, class Owner>
class PersistentCallable {
 public:
  PersistentCallable(Owner& exchange, std::string address, F f)
      : exchange_(&exchange), address_(std::move(address)), f_(std::move(f)) {}

  template <class... Args>
  void operator()(Args&&... args) {
    exchange_->start(address_, f_, std::forward<Args>(args)...);
  }

 private:
  Owner* exchange_;
  std::string address_;
  F f_;
};

/// An Exchange (or Queue) whose processes are background processes: `start`, `create` and
/// `manage` take the address each one serves at, and `connect` watches a background process
/// that is already running. A connection counts against the limit like a process, and ends when
/// its process has delivered everything; ending it early (destroying the exchange) leaves what
/// it had not acknowledged to the next client. Reuse is not offered (a background process runs
/// one task). Use the aliases PersistentExchange and PersistentQueue<T>.
///   pprocess::PersistentQueue<int> queue;
///   queue.connect("task-0.socket");
///   queue.connect("task-1.socket");
///   for (int result : queue) use(result);
template <class Base>
class Persistent : public Base {
 public:
  explicit Persistent(Options options = {}) : Base(without_reuse(options)) {}
  Persistent(Options options, Exchange::Handler handler) requires
      std::is_constructible_v<Base, Options, Exchange::Handler>
      : Base(without_reuse(options), std::move(handler)) {}

  /// Starts `f(channel, args...)` in a background process serving at `address` now, or queues
  /// it, with its address, while the exchange is busy. The exchange watches the connection. A
  /// start that fails (the address is in use, say) is reported at its task as a RemoteError of
  /// type std::system_error, whether it failed at once or when its turn came.
  ///   exchange.start("task.socket", pprocess::MakeParallel(task), 7);
  template <class F, class... Args>
  void start(std::string address, F&& f, Args&&... args) {
    using State = std::tuple<std::decay_t<F>, std::decay_t<Args>...>;
    auto state = std::make_shared<State>(std::forward<F>(f), std::forward<Args>(args)...);
    detail::Task task;
    task.key = this->unique_key(typeid(std::decay_t<F>));
    task.launch = [state, address = std::move(address)] {
      try {
        return std::apply(
            [&address](auto& fn, auto&... a) { return start_persistent(address, fn, a...); },
            *state);
      } catch (const std::system_error& e) {
        if (detail::runs_short(e)) throw;  // the exchange waits for room and tries again
        return detail::failed_start(e);
      }
    };
    this->submit(std::move(task));
  }

  /// Waits for room, then starts a background process serving at `address`. Returns its channel
  /// in the background process, which must end with pprocess::exit; nullopt in the starter,
  /// where the exchange watches the connection as a task of its own.
  ///   if (auto ch = exchange.create("task.socket")) { ch->send(work()); pprocess::exit(*ch); }
  [[nodiscard]] std::optional<Channel> create(const std::string& address) {
    this->wait();
    Channel channel = create_persistent(address);
    if (channel.pid() == 0) return channel;
    auto made = std::make_shared<Channel>(std::move(channel));
    detail::Task task;
    task.key = this->unique_key(typeid(void));
    task.launch = [made] { return std::move(*made); };
    this->submit(std::move(task));
    return std::nullopt;
  }

  /// Wraps `f` so that each call starts it through this exchange at `address`.
  ///   auto ptask = exchange.manage("task.socket", pprocess::MakeParallel(task));
  template <class F>
  [[nodiscard]] PersistentCallable<std::decay_t<F>, Persistent> manage(std::string address, F&& f) {
    return PersistentCallable<std::decay_t<F>, Persistent>(*this, std::move(address),
                                                           std::forward<F>(f));
  }

  /// Waits for room, then watches a connection to the background process serving at `address`
  /// (see connect_persistent for its errors). Its messages reach store_data like any other.
  ///   exchange.connect("task.socket");
  ///   exchange.finish();
  void connect(const std::string& address) {
    this->wait();
    this->add(connect_persistent(address));
  }

 private:
  static Options without_reuse(Options options) {
    if (options.reuse) {
      throw std::invalid_argument(
          "pprocess::Persistent: reuse cannot be offered (a background process runs one task)");
    }
    return options;
  }
};

/// An Exchange of background processes: subclass it (override store_data) or give it a handler.
///   class Collect : public pprocess::PersistentExchange { ... store_data ... };
using PersistentExchange = Persistent<Exchange>;

/// A Queue of the results of background processes, in arrival order.
///   pprocess::PersistentQueue<std::pair<int, std::vector<int>>> queue({.limit = 10});
template <class T>
using PersistentQueue = Persistent<Queue<T>>;

/// A queue of what the one background process serving at `address` sends, as it arrives.
///   pprocess::BackgroundQueue<std::vector<int>> queue("task.socket");
///   for (const auto& results : queue) show(results);
template <class T>
class BackgroundQueue : public PersistentQueue<T> {
 public:
  explicit BackgroundQueue(const std::string& address)
      : PersistentQueue<T>(Options{.limit = 1, .continuous = true}) {
    this->connect(address);
  }
};

}  // namespace pprocess
