// Creating processes: Process, fork discipline, the created side's setup and its end.
#include "pprocess/process.hpp"

#include <cxxabi.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <typeinfo>
#include <variant>
#include <vector>

#include "channel_access.hpp"
#include "system.hpp"

namespace pprocess {

Process::Process() noexcept = default;

Process::Process(pid_t pid, Stop stop, milliseconds grace)
    : pid_(pid), owner_(::getpid()), stop_(stop), grace_(grace) {
  if (pid <= 0) throw std::invalid_argument("pprocess::Process: no such process");
  auto lock = detail::ChannelRegistry::lock();
  pidfd_ = detail::open_pidfd(pid);
  if (pidfd_) detail::ChannelRegistry::add(pidfd_.get());
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, 0)),
      owner_(other.owner_),
      pidfd_(std::move(other.pidfd_)),
      status_(std::move(other.status_)),
      stop_(other.stop_),
      grace_(other.grace_) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    Process previous(std::move(*this));  // stopped at the end of this scope
    pid_ = std::exchange(other.pid_, 0);
    owner_ = other.owner_;
    pidfd_ = std::move(other.pidfd_);
    status_ = std::move(other.status_);
    stop_ = other.stop_;
    grace_ = other.grace_;
  }
  return *this;
}

Process::~Process() {
  if (pid_ <= 0) return;
  if (owner_ != ::getpid()) {
    static_cast<void>(pidfd_.release());  // closed with the other inherited descriptors
    return;
  }
  try {
    if (!status_) stop();
  } catch (...) {
  }
  detail::close_registered(pidfd_);
}

namespace {

void trace_end(const ExitStatus& status) {
  if (detail::tracing()) {
    detail::trace("process " + std::to_string(status.pid) + " ended with " + status.describe());
  }
}

}  // namespace

std::optional<ExitStatus> Process::try_wait() {
  if (pid_ <= 0) throw std::logic_error("pprocess::Process: there is no process to wait for");
  if (!status_) {
    status_ = detail::try_reap(pid_);
    if (status_) trace_end(*status_);
  }
  return status_;
}

ExitStatus Process::wait() {
  if (pid_ <= 0) throw std::logic_error("pprocess::Process: there is no process to wait for");
  if (!status_) {
    status_ = detail::reap(pid_);
    trace_end(*status_);
  }
  return *status_;
}

std::optional<ExitStatus> Process::wait_for(milliseconds timeout) {
  const detail::Clock::time_point deadline = detail::deadline_after(timeout);
  auto pause = std::chrono::microseconds(50);
  while (!try_wait()) {
    if (detail::Clock::now() >= deadline) return std::nullopt;
    if (pidfd_) {
      std::vector<pollfd> fds{{pidfd_.get(), POLLIN, 0}};
      detail::poll_until(fds, deadline);
    } else {
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::microseconds(10'000));
    }
  }
  return status_;
}

void Process::signal(int signal) noexcept {
  if (pid_ > 0 && !status_) ::kill(pid_, signal);
}

ExitStatus Process::terminate() {
  signal(SIGTERM);
  if (auto status = wait_for(grace_)) return *status;
  signal(SIGKILL);
  return wait();
}

ExitStatus Process::stop() {
  if (stop_ == Stop::wait) return wait();
  if (auto status = wait_for(grace_)) return *status;
  return terminate();
}

Child::Child(Channel channel, Process process) noexcept
    : Channel(std::move(channel)), process_(std::move(process)) {}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    Child previous(std::move(*this));  // closed, then stopped, at the end of this scope
    Channel::operator=(std::move(other));
    process_ = std::move(other.process_);
  }
  return *this;
}

Child::~Child() {
  // The channel first: a created process waiting to receive sees end-of-file and ends by
  // itself, before the Process's stop policy has to end it.
  Channel::close();
}

void Child::close() {
  Channel::close();
  if (process_.pid() > 0 && !process_.exit_status()) process_.wait();
}

ExitStatus Child::wait() {
  if (process_.pid() <= 0)
    throw std::logic_error("pprocess::Child::wait: only the creator can wait");
  return process_.wait();
}

std::optional<ExitStatus> Child::try_wait() {
  if (process_.pid() <= 0) {
    throw std::logic_error("pprocess::Child::try_wait: only the creator can wait");
  }
  return process_.try_wait();
}

namespace {

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> readable(
      abi::__cxa_demangle(name, nullptr, nullptr, &status), &std::free);
  return status == 0 && readable ? readable.get() : name;
}

}  // namespace

namespace detail {

bool is_shortage(int error) noexcept {
  return error == EAGAIN || error == EMFILE || error == ENFILE || error == ENOMEM;
}

std::system_error Shortage::as_error() const {
  return std::system_error(error, std::generic_category(), std::string("pprocess: ") + call);
}

std::variant<Child, Shortage> try_create(bool offer_reuse) {
  flush_output();  // before the lock: a slow stdout must not hold up other threads' channels
  auto lock = ChannelRegistry::lock();
  // A shortage is returned, not thrown: it is expected (the Exchange waits for a slot), and
  // what would throw may itself need a descriptor that is not there.
  const auto refused = [](const char* call) -> std::variant<Child, Shortage> {
    if (is_shortage(errno)) return Shortage{errno, call};
    throw_errno(call);
  };
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) return refused("socketpair");
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
    return refused("fork");
  }
  if (pid == 0) {
    // The created process: none of the creator's signal handling, die with the creator, and hold
    // no descriptor of a sibling's channel (or the siblings' creators would never see them close).
    reset_signals();
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != creator) ::_exit(1);
    ChannelRegistry::close_all_except(created_end.get());
    static_cast<void>(creator_end.release());  // closed just above, with every sibling
    lock.unlock();
    return Child(ChannelAccess::make(std::move(created_end), 0, offer_reuse), Process());
  }
  ChannelRegistry::remove(created_end.get());
  created_end.reset();
  lock.unlock();
  Process process(pid);
  return Child(ChannelAccess::make(std::move(creator_end), pid), std::move(process));
}

Child create(bool offer_reuse) {
  std::variant<Child, Shortage> created = try_create(offer_reuse);
  if (const Shortage* shortage = std::get_if<Shortage>(&created)) throw shortage->as_error();
  Child& child = std::get<Child>(created);
  if (child.pid() > 0 && tracing()) trace("created process " + std::to_string(child.pid()));
  return std::move(child);
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
  detail::flush_output();
  channel.close();
  ::_exit(code);
}

void waitall() {
  while (detail::retry_eintr([] { return ::waitpid(-1, nullptr, 0); }) > 0) {
  }
}

}  // namespace pprocess
