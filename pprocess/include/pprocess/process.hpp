// Creating processes: Process (one child, reaped by its owner), Child (a created process and the
// channel to it), create, start, exit, waitall.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <system_error>
#include <utility>
#include <variant>

#include "pprocess/channel.hpp"
#include "pprocess/detail/fd.hpp"
#include "pprocess/error.hpp"

namespace pprocess {

/// Owns one child process of this process and reaps it. Move-only. A descriptor (a pidfd)
/// becomes readable when the process ends, so a poll loop learns of it without pauses.
/// Its destructor stops the process as its stop policy says:
/// - `Stop::wait`: wait for it to end, however long that takes;
/// - `Stop::terminate` (the default): wait up to `grace` for it to end by itself, then send
///   SIGTERM, wait up to `grace` again, then SIGKILL.
/// Either way it is reaped: no zombie outlives its Process.
///   pprocess::Process child(pid);               // from fork()
///   if (!child.wait_for(std::chrono::seconds(2))) child.terminate();
class Process {
 public:
  using milliseconds = std::chrono::milliseconds;
  enum class Stop { wait, terminate };
  /// The grace period of Stop::terminate unless told otherwise.
  static constexpr milliseconds kGrace{1000};

  /// No process.
  Process() noexcept;
  /// Adopts `pid`, a child of this process that nobody else reaps.
  ///   pprocess::Process child(::fork());
  explicit Process(pid_t pid, Stop stop = Stop::terminate, milliseconds grace = kGrace);
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  /// Stops the process as the stop policy says and reaps it. Never throws.
  ~Process();

  /// The process id; 0 for no process.
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  /// A descriptor that poll reports readable once the process has ended; -1 when the system
  /// offers none (then poll try_wait instead).
  [[nodiscard]] int fileno() const noexcept { return pidfd_.get(); }
  /// How the destructor stops it.
  void set_stop(Stop stop, milliseconds grace = kGrace) noexcept {
    stop_ = stop;
    grace_ = grace;
  }

  /// How it ended, if it has; never waits.
  std::optional<ExitStatus> try_wait();
  /// Waits for it to end.
  ExitStatus wait();
  /// Waits at most `timeout` for it to end.
  std::optional<ExitStatus> wait_for(milliseconds timeout);
  /// Sends `signal` unless it has been reaped already (its pid may be someone else's by now).
  void signal(int signal) noexcept;
  /// SIGTERM, then SIGKILL if it is still running after the grace period; reaps it.
  ExitStatus terminate();
  /// What the destructor does: see the stop policy.
  ExitStatus stop();
  /// How it ended, once a wait has seen it end.
  [[nodiscard]] const std::optional<ExitStatus>& exit_status() const noexcept { return status_; }

 private:
  pid_t pid_ = 0;
  pid_t owner_ = 0;  // copies inherited through fork leave the process alone
  detail::Fd pidfd_;
  std::optional<ExitStatus> status_;
  Stop stop_ = Stop::terminate;
  milliseconds grace_ = kGrace;
};

/// What create and start return: the channel to the other process and, in the creator, the
/// Process that owns the created process. It is used as its channel is (send, receive, pid, ...);
/// `channel()` passes the channel on. Destroying it closes the channel first, so that a created
/// process waiting to receive sees end-of-file and ends by itself, then stops the process as its
/// Process says (see Process). It cannot be turned into a bare Channel by accident: that would
/// leave the process with nobody to wait for it. Move-only.
///   pprocess::Child child = pprocess::start([](pprocess::Channel& c) { c.send(42); });
///   int answer = child.receive<int>();
///   child.close();  // closes the channel, then waits for the process
///   std::cout << child.exit_status()->describe() << '\n';  // "exit code 0"
class Child : private Channel {
 public:
  using Channel::milliseconds;

  /// No channel and no process.
  Child() noexcept = default;
  /// Pairs `channel` with `process`, the process at its other end (or none: Process()).
  Child(Channel channel, Process process) noexcept;
  Child(Child&&) noexcept = default;
  /// Closes this channel, then stops this process (see ~Child), then takes `other`'s.
  Child& operator=(Child&& other) noexcept;
  /// Closes the channel, then stops the process as its Process says.
  ~Child();

  // The channel's own operations (see Channel).
  using Channel::fileno;
  using Channel::is_open;
  using Channel::offers_reuse;
  using Channel::pid;
  using Channel::post;
  using Channel::receive;
  using Channel::receive_into;
  using Channel::receive_or_stop;
  using Channel::received_error;
  using Channel::send;
  using Channel::send_error;
  using Channel::stop;

  /// The channel, to pass on to code that takes a Channel&.
  ///   talk(child.channel());  // void talk(pprocess::Channel&)
  [[nodiscard]] Channel& channel() noexcept { return *this; }
  [[nodiscard]] const Channel& channel() const noexcept { return *this; }
  /// The created process, in its creator; nullptr inside the created process.
  ///   if (pprocess::Process* p = child.process()) p->signal(SIGTERM);
  [[nodiscard]] Process* process() noexcept { return process_.pid() > 0 ? &process_ : nullptr; }
  /// How the created process ended, once `close`, `wait` or `try_wait` has seen it end.
  [[nodiscard]] const std::optional<ExitStatus>& exit_status() const noexcept {
    return process_.exit_status();
  }

  /// Closes the channel, then (in the creator) waits for the created process to end.
  void close();
  /// Waits for the created process to end and returns how it ended (creator side only).
  ExitStatus wait();
  /// How the created process ended, if it has; never waits (creator side only).
  ///   if (auto status = child.try_wait()) report(*status);
  std::optional<ExitStatus> try_wait();

 private:
  Process process_;
};

namespace detail {
/// Whether the errno `error` says the system is out of processes or descriptors for now.
bool is_shortage(int error) noexcept;
/// Forks with a fresh channel; `offer_reuse` marks the created side's channel for reuse mode.
Child create(bool offer_reuse);
/// Why try_create made no process: a shortage of processes or descriptors (`error`, an errno)
/// met by `call`, "socketpair" or "fork".
struct Shortage {
  int error = 0;
  const char* call = "";
  /// The std::system_error that reports it, naming the call.
  [[nodiscard]] std::system_error as_error() const;
};
/// Like create, but a shortage of processes or descriptors is returned instead of thrown.
std::variant<Child, Shortage> try_create(bool offer_reuse);
/// Runs `body` in a created process, reports an escaping exception, then ends the process.
[[noreturn]] void run_and_exit(Channel& channel, const std::function<void()>& body);
}  // namespace detail

/// Forks. The creator gets a channel to the created process (pid() > 0) and its Process; the
/// created process gets a channel to its creator (pid() == 0) and must end with pprocess::exit.
/// The created process is killed when the *thread* that forked it ends (PR_SET_PDEATHSIG), so
/// fork from a thread that outlives the work, such as the main thread.
///   pprocess::Child ch = pprocess::create();
///   if (ch.pid() == 0) { ch.send(compute()); pprocess::exit(ch); }
[[nodiscard]] inline Child create() { return detail::create(false); }

/// Forks and runs `f(channel, args...)` in the created process, which then ends. An exception
/// escaping `f` reaches the creator as a RemoteError from `receive`.
///   auto ch = pprocess::start([](pprocess::Channel& c, int x) { c.send(x * x); }, 7);
///   int y = ch.receive<int>();  // 49
template <class F, class... Args>
[[nodiscard]] Child start(F&& f, Args&&... args) {
  Child child = detail::create(false);
  if (child.pid() != 0) return child;
  // The created process works on its own copy of the creator's memory, so the arguments can be
  // used in place: they are the copies.
  Channel& channel = child.channel();
  detail::run_and_exit(
      channel, [&] { std::invoke(std::forward<F>(f), channel, std::forward<Args>(args)...); });
}

/// Ends a created process: flushes its output, closes its channel, `_exit(0)`.
///   if (ch.pid() == 0) { ch.send(result); pprocess::exit(ch); }
[[noreturn]] void exit(Channel& channel);
/// The same, ending with exit code `code`.
[[noreturn]] void exit(Channel& channel, int code);
/// The same for the channel create returned.
///   if (ch.pid() == 0) { ch.send(result); pprocess::exit(ch); }
[[noreturn]] inline void exit(Child& child, int code = 0) { exit(child.channel(), code); }

/// Waits for every child of this process to end and reaps it. Channels and Exchanges whose
/// processes it reaps then report an unknown exit status.
///   pprocess::waitall();
void waitall();

}  // namespace pprocess
