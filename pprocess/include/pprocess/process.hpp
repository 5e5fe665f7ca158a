// Creating processes: create (fork with a channel), start (fork and run a function), exit, waitall.
#pragma once

#include <functional>
#include <utility>

#include "pprocess/channel.hpp"

namespace pprocess {

namespace detail {
/// Forks with a fresh channel; `offer_reuse` marks the created side's channel for reuse mode.
Channel create(bool offer_reuse);
/// Runs `body` in a created process, reports an escaping exception, then ends the process.
[[noreturn]] void run_and_exit(Channel& channel, const std::function<void()>& body);
}  // namespace detail

/// Forks. The creator gets a channel to the created process (pid() > 0); the created process
/// gets a channel to its creator (pid() == 0) and must end with pprocess::exit.
/// The created process is killed when the *thread* that forked it ends (PR_SET_PDEATHSIG), so
/// fork from a thread that outlives the work, such as the main thread.
///   pprocess::Channel ch = pprocess::create();
///   if (ch.pid() == 0) { ch.send(compute()); pprocess::exit(ch); }
[[nodiscard]] inline Channel create() { return detail::create(false); }

/// Forks and runs `f(channel, args...)` in the created process, which then ends. An exception
/// escaping `f` reaches the creator as a RemoteError from `receive`.
///   auto ch = pprocess::start([](pprocess::Channel& c, int x) { c.send(x * x); }, 7);
///   int y = ch.receive<int>();  // 49
template <class F, class... Args>
[[nodiscard]] Channel start(F&& f, Args&&... args) {
  Channel channel = detail::create(false);
  if (channel.pid() != 0) return channel;
  // The created process works on its own copy of the creator's memory, so the arguments can be
  // used in place: they are the copies.
  detail::run_and_exit(
      channel, [&] { std::invoke(std::forward<F>(f), channel, std::forward<Args>(args)...); });
}

/// Ends a created process: flushes its output, closes its channel, `_exit(0)`.
///   if (ch.pid() == 0) { ch.send(result); pprocess::exit(ch); }
[[noreturn]] void exit(Channel& channel);
/// The same, ending with exit code `code`.
[[noreturn]] void exit(Channel& channel, int code);

/// Waits for every child of this process to end and reaps it. Channels and Exchanges whose
/// processes it reaps then report an unknown exit status.
///   pprocess::waitall();
void waitall();

}  // namespace pprocess
