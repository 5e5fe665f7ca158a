// Creating processes: fork discipline, the created side's setup and its end.
#include "pprocess/process.hpp"

#include <cxxabi.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <typeinfo>

#include "system.hpp"

namespace pprocess {

namespace {

/// Output buffered before fork would otherwise be printed by both processes.
void flush_output() noexcept {
  std::cout.flush();
  std::cerr.flush();
  std::clog.flush();
  std::fflush(nullptr);
}

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> readable(
      abi::__cxa_demangle(name, nullptr, nullptr, &status), &std::free);
  return status == 0 && readable ? readable.get() : name;
}

}  // namespace

namespace detail {

Channel create(bool offer_reuse) {
  flush_output();  // before the lock: a slow stdout must not hold up other threads' channels
  auto lock = ChannelRegistry::lock();
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) throw_errno("socketpair");
  Fd creator_end(ends[0]);
  Fd created_end(ends[1]);
  ChannelRegistry::add(creator_end.get());
  ChannelRegistry::add(created_end.get());
  const pid_t creator = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ChannelRegistry::remove(creator_end.get());
    ChannelRegistry::remove(created_end.get());
    errno = error;
    throw_errno("fork");
  }
  if (pid == 0) {
    // The created process: die with the creator, and hold no descriptor of a sibling's channel
    // (or the siblings' creators would never see them close).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != creator) ::_exit(1);
    ChannelRegistry::close_all_except(created_end.get());
    static_cast<void>(creator_end.release());  // closed just above, with every sibling
    lock.unlock();
    return Channel(created_end.release(), 0, offer_reuse, Channel::Registered{});
  }
  ChannelRegistry::remove(created_end.get());
  created_end.reset();
  lock.unlock();
  return Channel(creator_end.release(), pid, false, Channel::Registered{});
}

void run_and_exit(Channel& channel, const std::function<void()>& body) {
  int code = 0;
  try {
    body();
  } catch (const std::exception& e) {
    channel.send_error(demangle(typeid(e).name()), e.what());
    code = 1;
  } catch (...) {
    channel.send_error("unknown", "an exception not derived from std::exception");
    code = 1;
  }
  exit(channel, code);
}

}  // namespace detail

void exit(Channel& channel) { exit(channel, 0); }

void exit(Channel& channel, int code) {
  flush_output();
  channel.close();
  ::_exit(code);
}

void waitall() {
  while (detail::retry_eintr([] { return ::waitpid(-1, nullptr, 0); }) > 0) {
  }
}

}  // namespace pprocess
