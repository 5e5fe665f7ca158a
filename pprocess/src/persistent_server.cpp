// Persistent and background processes, the server side: the double fork that detaches the
// background process, and the server in it that hands its worker's messages to whichever client
// is connected. The socket, connecting and the handshake are persistent_socket.cpp.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "channel_access.hpp"
#include "frame.hpp"
#include "persistent_socket.hpp"
#include "pprocess/detail/archive.hpp"
#include "pprocess/persistent.hpp"
#include "pprocess/process.hpp"
#include "system.hpp"

namespace pprocess {
namespace detail {

namespace {

/// Bytes of messages the server holds before it reads no more from its worker (whose send then
/// waits): a fast producer with no client does not fill the memory.
constexpr std::size_t kMostHeld = std::size_t{64} << 20;

/// How long the server waits before it takes connections again, once it could not (out of
/// descriptors or memory).
constexpr std::chrono::milliseconds kAcceptPause{100};

/// How often the server looks at its socket file: once the file is removed or replaced, no
/// client can ever reach it again.
constexpr std::chrono::seconds kFileCheckInterval{2};

/// A client acknowledges a value once it has it whole, and may first write it out: beyond the
/// receipt timeout, it has a second for each of these many bytes of the message.
constexpr double kBytesPerSecondOfGrace = 8 << 20;

/// The receipt timeout the environment sets (PPROCESS_RECEIPT_TIMEOUT, seconds), or
/// kReceiptTimeout. Read by the starter, so that a bad value is its error, not a silent one in a
/// process whose standard error is /dev/null.
Clock::duration receipt_timeout() {
  const char* text = std::getenv("PPROCESS_RECEIPT_TIMEOUT");
  if (text == nullptr || *text == '\0') return kReceiptTimeout;
  char* end = nullptr;
  const double seconds = std::strtod(text, &end);
  if (*end != '\0' || !(seconds > 0 && seconds <= 1e6)) {
    throw std::invalid_argument(
        std::string("pprocess::start_persistent: PPROCESS_RECEIPT_TIMEOUT is '")
            .append(text)
            .append("': expected a number of seconds above 0, and at most 1000000"));
  }
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

/// Standard input, output and error on /dev/null: reading gives end-of-file, writing succeeds,
/// and no terminal or pipe of the starter is kept open.
void detach_standard_streams() {
  const int null = ::open("/dev/null", O_RDWR);
  if (null < 0) throw_errno("open /dev/null");
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
    if (null != fd && ::dup2(null, fd) < 0) throw_errno("dup2");
  }
  if (null > STDERR_FILENO) ::close(null);
}

/// Closes every descriptor above the standard streams but `keep`: whatever the starter had open
/// without close-on-exec (a pipe, as in `starter 3>&1 | cat`, whose reader would otherwise wait
/// as long as the background process lives).
void close_inherited_descriptors(int keep) {
  const auto close_between = [](unsigned first, unsigned last) {
    return first > last || ::close_range(first, last, 0) == 0;
  };
  const auto kept = static_cast<unsigned>(keep);
  if (close_between(STDERR_FILENO + 1, kept - 1) && close_between(kept + 1, ~0U)) return;
  // No close_range (Linux before 5.9): each descriptor that /proc lists.
  std::vector<int> inherited;
  if (DIR* listing = ::opendir("/proc/self/fd")) {
    const int own = ::dirfd(listing);
    while (const dirent* entry = ::readdir(listing)) {
      const int fd = std::atoi(entry->d_name);  // "." and ".." read as 0
      if (fd > STDERR_FILENO && fd != keep && fd != own) inherited.push_back(fd);
    }
    ::closedir(listing);
  }
  for (const int fd : inherited) ::close(fd);
}

/// `address` as an absolute path, from the working directory; nullopt when that is unknown
/// (removed).
std::optional<std::string> absolute_path(const std::string& address) {
  if (address.front() == '/') return address;
  char* directory = ::getcwd(nullptr, 0);
  if (directory == nullptr) return std::nullopt;
  std::string absolute(directory);
  std::free(directory);
  if (absolute.back() != '/') absolute.push_back('/');
  return absolute.append(address);
}

/// A message of the worker's, kept until a client acknowledges it: the kind and payload of the
/// frame that delivers it (a value's bytes, or an error report).
struct Message {
  FrameKind kind = FrameKind::data;
  std::string payload;

  [[nodiscard]] std::size_t frame_size() const noexcept {
    return sizeof(FrameHeader) + payload.size();
  }
};

/// A connection whose hello the server is waiting for.
struct Greeting {
  RegisteredFd connection;
  pid_t pid = 0;  // its process, as the kernel says
  Hello hello;
  std::size_t got = 0;  // bytes of its hello read so far
  Clock::time_point deadline;
  bool done = false;  // answered (or dropped): it is no longer waited for
};

/// The client being served. It is sent the first message kept, as fast as it reads it, then
/// must acknowledge it before its deadline.
struct Holder {
  RegisteredFd connection;
  pid_t pid = 0;
  std::size_t sent = 0;                       // bytes of the first message's frame sent it
  std::optional<Clock::time_point> deadline;  // for its receipt, while a message is out
  FrameHeader receipt;                        // what it sends back, as it arrives
  std::size_t receipt_got = 0;
};

/// The background process's side of its connections: what its worker (the process running the
/// function) sends is kept until a client has acknowledged it, and handed to one client at a
/// time. Nothing a client does (or fails to do) stops the server: every socket is non-blocking,
/// every wait has a deadline, and one poll watches the worker, the listener, the client being
/// served and every connection still saying hello.
class Server {
 public:
  /// Why `run` returned.
  enum class Ending { delivered, unreachable };

  Server(Fd listener, SocketFile file, Clock::duration receipt_timeout)
      : listener_(std::move(listener)), file_(std::move(file)), receipt_timeout_(receipt_timeout) {
    const int flags = ::fcntl(listener_.get(), F_GETFL);
    if (flags < 0 || ::fcntl(listener_.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
      throw_errno("fcntl");
    }
  }

  /// Greets the starter's connection, which waits in the listener's queue with its hello sent:
  /// it is the first client.
  void greet_starter() {
    accept_connection();
    while (!greetings_.empty() && !greetings_.front().done) {
      std::vector<pollfd> fds{{greetings_.front().connection.fd.get(), POLLIN, 0}};
      if (poll_until(fds, greetings_.front().deadline) == 0) break;  // run drops it
      greetings_.front().done = hear(greetings_.front());
    }
    std::erase_if(greetings_, [](const Greeting& greeting) { return greeting.done; });
  }

  /// Serves until `worker` has ended and every message it sent has been acknowledged
  /// (delivered), or until the socket file is no longer the server's (unreachable).
  Ending run(Child worker) {
    worker_ = std::move(worker);
    Clock::time_point next_look = Clock::now() + kFileCheckInterval;
    while (!worker_done_ || !pending_.empty()) {
      if (!worker_done_ && held_ < kMostHeld && ChannelAccess::has_buffered(worker_.channel())) {
        read_worker();  // bytes the channel read ahead, which poll cannot see
        continue;
      }
      send_to_holder();
      wait_for_events(next_look);
      if (Clock::now() >= next_look) {
        if (!file_.still_there()) {
          if (tracing())
            trace(
                std::string("socket file ").append(quoted(file_.address)).append(" gone: ending"));
          return Ending::unreachable;
        }
        next_look = Clock::now() + kFileCheckInterval;
      }
    }
    return Ending::delivered;
  }

  /// Ends the worker, whose work nobody can collect any more.
  void abandon() noexcept {
    if (Process* process = worker_.process()) process->signal(SIGKILL);
    worker_ = Child();  // reaps it
  }

  /// Removes the socket file, then closes every connection and the listener: the client being
  /// served sees end-of-file with the file already gone; a connection that was still saying
  /// hello sees the connection closed before the handshake.
  void shut_down() noexcept {
    file_.remove();
    holder_.reset();
    greetings_.clear();
    close_registered(listener_);
  }

 private:
  void wait_for_events(Clock::time_point next_look) {
    // Whatever may happen next: the worker sending (while little is held); the client being
    // served acknowledging, leaving, or making room for more of its message; a connection
    // saying hello; another connecting (while few are being greeted). And the nearest deadline.
    const bool sending =
        holder_ && !pending_.empty() && holder_->sent < pending_.front().frame_size();
    const Clock::time_point now_before = Clock::now();
    std::vector<pollfd> fds{{!worker_done_ && held_ < kMostHeld ? worker_.fileno() : -1, POLLIN, 0},
                            {holder_ ? holder_->connection.fd.get() : -1,
                             static_cast<short>(POLLIN | (sending ? POLLOUT : 0)), 0},
                            {accepting(now_before) ? listener_.get() : -1, POLLIN, 0}};
    Clock::time_point until = next_look;
    if (now_before < accepting_again_) until = std::min(until, accepting_again_);
    if (holder_ && holder_->deadline) until = std::min(until, *holder_->deadline);
    for (const Greeting& greeting : greetings_) {
      fds.push_back({greeting.connection.fd.get(), POLLIN, 0});
      until = std::min(until, greeting.deadline);
    }
    poll_until(fds, until);
    const Clock::time_point now = Clock::now();
    // The client being served first: one that has left makes way for one greeted below.
    if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) hear_holder();
    if (holder_ && holder_->deadline && now >= *holder_->deadline) {
      drop_holder("did not acknowledge its message in time (stopped, or hung)");
    }
    if (fds[0].revents != 0) read_worker();
    for (std::size_t i = 0; i < greetings_.size(); ++i) {
      Greeting& greeting = greetings_[i];
      if (fds[3 + i].revents != 0) greeting.done = hear(greeting);
      if (!greeting.done && now >= greeting.deadline) greeting.done = true;  // silent: dropped
    }
    std::erase_if(greetings_, [](const Greeting& greeting) { return greeting.done; });
    if (fds[2].revents != 0) accept_connection();
  }

  /// Whether the server takes new connections now: while few are being greeted, and not just
  /// after it ran out of descriptors.
  [[nodiscard]] bool accepting(Clock::time_point now) const noexcept {
    return greetings_.size() < static_cast<std::size_t>(kBacklog) && now >= accepting_again_;
  }

  /// Takes the next connection off the listener's queue to be greeted, if it is a process of
  /// this user's: another user's is closed without a word.
  void accept_connection() {
    RegisteredFd connection;
    int failure = 0;
    {
      // Registered, so that a worker forked later does not hold the connection open.
      auto lock = ChannelRegistry::lock();
      Fd accepted(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
      failure = errno;
      connection = RegisteredFd(std::move(accepted));
    }
    if (!connection.fd) {
      // Out of descriptors or memory: the connection stays queued, and the listener readable.
      // Rather than spin on it, take connections again a little later.
      if (failure == EMFILE || failure == ENFILE || failure == ENOBUFS || failure == ENOMEM) {
        accepting_again_ = Clock::now() + kAcceptPause;
      }
      return;  // or none after all: it gave up waiting (ECONNABORTED)
    }
    const std::optional<ucred> peer = peer_of(connection.fd.get());
    if (!peer || peer->uid != ::geteuid()) return;
    Greeting& greeting = greetings_.emplace_back();
    greeting.connection = std::move(connection);
    greeting.pid = peer->pid;
    greeting.deadline = deadline_after(kHelloTimeout);
    greeting.done = hear(greeting);  // its hello may be there already
    if (greeting.done) greetings_.pop_back();
  }

  /// Reads what `greeting` has sent of its hello and answers it once it is whole. Whether it is
  /// done with: served, told whom the server serves, or dropped.
  bool hear(Greeting& greeting) {
    auto* bytes = reinterpret_cast<char*>(&greeting.hello);
    const int socket = greeting.connection.fd.get();
    const ssize_t got = retry_eintr([&] {
      return ::recv(socket, bytes + greeting.got, sizeof(Hello) - greeting.got, MSG_DONTWAIT);
    });
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    if (got <= 0) return true;  // it left
    greeting.got += static_cast<std::size_t>(got);
    Hello ours;
    ours.pid = ::getpid();
    if (greeting.got >= kHelloOpening && !speaks_our_protocol(greeting.hello)) {
      // Not a client of this protocol; one of another version learns ours from our hello.
      static_cast<void>(write_hello(socket, ours));
      return true;
    }
    if (greeting.got < sizeof(Hello)) return false;
    // The client being served may have left just before this one came: its socket says so.
    if (holder_) hear_holder();
    if (holder_) {
      // Told whom the server serves, so that it can say so, and wait or give up as it sees fit.
      ours.holder = holder_->pid;
      static_cast<void>(write_hello(socket, ours));
      if (tracing()) {
        trace(std::string("told client ")
                  .append(std::to_string(greeting.pid))
                  .append(" that it serves ")
                  .append(std::to_string(holder_->pid)));
      }
      return true;
    }
    if (!write_hello(socket, ours)) return true;
    holder_.emplace();
    holder_->connection = std::move(greeting.connection);
    holder_->pid = greeting.pid;
    if (tracing()) trace(std::string("serving client ").append(std::to_string(greeting.pid)));
    return true;
  }

  /// Sends the client being served as much of the first message kept as its socket takes.
  void send_to_holder() {
    if (!holder_ || pending_.empty()) return;
    Holder& holder = *holder_;
    const Message& message = pending_.front();
    if (holder.sent == message.frame_size()) return;  // out whole: its receipt is awaited
    FrameHeader header;
    header.kind = static_cast<std::uint8_t>(message.kind);
    header.flags = kWantsAcknowledgement;
    header.length = message.payload.size();
    if (!holder.deadline) holder.deadline = Clock::now() + receipt_timeout_;
    while (holder.sent < message.frame_size()) {
      std::array<iovec, 2> parts{};
      std::size_t count = 0;
      if (holder.sent < sizeof header) {
        parts[count++] = {reinterpret_cast<char*>(&header) + holder.sent,
                          sizeof header - holder.sent};
      }
      const std::size_t into_payload = std::max(holder.sent, sizeof header) - sizeof header;
      if (into_payload < message.payload.size()) {
        parts[count++] = {const_cast<char*>(message.payload.data()) + into_payload,
                          message.payload.size() - into_payload};
      }
      msghdr out{};
      out.msg_iov = parts.data();
      out.msg_iovlen = count;
      const ssize_t sent = retry_eintr(
          [&] { return ::sendmsg(holder.connection.fd.get(), &out, MSG_NOSIGNAL | MSG_DONTWAIT); });
      if (sent < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // poll says when it has room
        drop_holder("left");
        return;
      }
      holder.sent += static_cast<std::size_t>(sent);
      holder.deadline = Clock::now() + receipt_timeout_;  // still reading: it may go on
    }
    holder.deadline = Clock::now() + receipt_timeout_ +
                      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                          static_cast<double>(message.payload.size()) / kBytesPerSecondOfGrace));
  }

  /// Reads what the client being served has sent: receipts, or its leaving. Anything but the
  /// receipt of the message it was sent breaks the protocol: it is dropped, and what it sent is
  /// never read further.
  void hear_holder() {
    while (holder_) {
      Holder& holder = *holder_;
      auto* bytes = reinterpret_cast<char*>(&holder.receipt);
      const ssize_t got = retry_eintr([&] {
        return ::recv(holder.connection.fd.get(), bytes + holder.receipt_got,
                      sizeof(FrameHeader) - holder.receipt_got, MSG_DONTWAIT);
      });
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (got <= 0) {
        drop_holder("left");
        return;
      }
      holder.receipt_got += static_cast<std::size_t>(got);
      if (holder.receipt_got < sizeof(FrameHeader)) continue;
      holder.receipt_got = 0;
      const bool awaited = !pending_.empty() && holder.sent == pending_.front().frame_size();
      if (!awaited || holder.receipt.magic != kFrameMagic ||
          holder.receipt.kind != static_cast<std::uint8_t>(FrameKind::ack) ||
          holder.receipt.length != 0) {
        drop_holder("sent something else than the receipt of its message");
        return;
      }
      held_ -= pending_.front().payload.size();
      pending_.pop_front();
      holder.sent = 0;
      holder.deadline.reset();
    }
  }

  /// Closes the connection of the client being served; the message it had not acknowledged
  /// is the next client's.
  void drop_holder(const char* why) {
    if (tracing()) {
      trace(std::string("dropped client ")
                .append(std::to_string(holder_->pid))
                .append(": it ")
                .append(why));
    }
    holder_.reset();
  }

  void keep(Message message) {
    held_ += message.payload.size();
    pending_.push_back(std::move(message));
  }

  void keep_error(const std::string& type_name, const std::string& text) {
    Message message{FrameKind::error, {}};
    encode(std::pair<std::string, std::string>(type_name, text), message.payload);
    keep(std::move(message));
  }

  void read_worker() {
    try {
      keep(Message{FrameKind::data, worker_.receive<std::string>()});  // a value's bytes
    } catch (const RemoteError& e) {
      keep_error(e.type_name(), e.message());
    } catch (const ChannelClosed&) {
      worker_ended(std::nullopt);
    } catch (const Error& e) {
      worker_ended(e.what());  // a frame cut off, most likely by the worker's death
    }
  }

  void worker_ended(const std::optional<std::string>& problem) {
    worker_done_ = true;
    const bool reported = worker_.received_error();
    worker_.close();  // waits for the worker to end: its function has returned
    const ExitStatus status = worker_.exit_status().value_or(ExitStatus{});
    if (status.signal || (status.exit_code.value_or(0) != 0 && !reported)) {
      keep_error("pprocess::ProcessDied", ProcessDied(status).what());
    } else if (problem) {
      keep_error("pprocess::ProtocolError", *problem);
    }
  }

  Fd listener_;
  SocketFile file_;
  Clock::duration receipt_timeout_;
  Child worker_;
  bool worker_done_ = false;
  std::deque<Message> pending_;
  std::size_t held_ = 0;
  std::optional<Holder> holder_;
  std::vector<Greeting> greetings_;
  Clock::time_point accepting_again_{};  // when it may take connections again
};

/// In the first child of a starter: makes the background process, and returns only in its
/// worker, with the worker's channel to the server. The starter's connection waits in the
/// listener's backlog, its hello already sent.
Channel become_background(Fd listener, SocketFile file, Clock::duration receipt_timeout,
                          std::unique_lock<std::mutex>& registry_lock) {
  // A new session without a terminal, whose leader ends at once: the background process proper
  // is nobody's child to wait for, and can never acquire a terminal.
  if (::setsid() < 0) ::_exit(errno);
  const pid_t server = ::fork();
  if (server != 0) ::_exit(server < 0 ? errno : 0);
  try {
    // No PR_SET_PDEATHSIG: the background process outlives its starter. It keeps none of the
    // starter's channels (their peers would wait for it) and not the starter's connection.
    ChannelRegistry::close_all_except(listener.get());
    registry_lock.unlock();
    detach_standard_streams();
    close_inherited_descriptors(listener.get());
    // Nor the starter's directory, which it would keep busy: from here on its socket file is
    // known by an absolute path.
    if (std::optional<std::string> absolute = absolute_path(file.address)) {
      file.address = std::move(*absolute);
      if (::chdir("/") != 0) throw_errno("chdir /");
    }
    // Signals reach it (a starter may have blocked some) and run none of the starter's handlers;
    // its worker's end is its to reap (SIGCHLD is not left ignored).
    reset_signals();
    Server serving(std::move(listener), file, receipt_timeout);
    // The worker dies with the server, as a created process does: killing the background
    // process (its server) ends all of it. Made before the starter is greeted, so that a
    // background process that cannot make it (short of descriptors or processes) fails the
    // start: the starter's connection is closed unanswered, not answered and then dropped.
    Child worker = create(false);
    if (worker.pid() == 0) return std::move(worker.channel());  // it owns no process there
    serving.greet_starter();
    if (serving.run(std::move(worker)) == Server::Ending::unreachable) serving.abandon();
    serving.shut_down();
    ::_exit(0);
  } catch (...) {
    file.remove();
    ::_exit(1);
  }
}

}  // namespace

Channel create_persistent(const std::string& address) {
  const std::string caller = "pprocess::start_persistent";
  const sockaddr_un where = socket_address(address, caller);
  const Clock::duration receipt = receipt_timeout();
  flush_output();
  std::pair<Fd, SocketFile> listening;
  RegisteredFd connection;
  pid_t first = 0;
  int fork_error = 0;
  {
    // Under the registry's lock, so that no process forked meanwhile keeps the listener (one
    // held open elsewhere would accept connections nobody serves).
    auto lock = ChannelRegistry::lock();
    listening = listen_at(address);
    try {
      // The starter's own connection is made now, so it is the first the server accepts.
      connection = registered_socket(address, caller);
      open_connection(connection.fd.get(), where, address, caller);
    } catch (...) {
      listening.second.remove();
      throw;
    }
    ChannelRegistry::add(listening.first.get());
    first = ::fork();
    if (first == 0) {
      static_cast<void>(connection.fd.release());  // registered: the background process closes it
      return become_background(std::move(listening.first), listening.second, receipt, lock);
    }
    fork_error = errno;
    ChannelRegistry::remove(listening.first.get());
  }
  auto& [listener, file] = listening;
  listener.reset();  // the background process has it now
  if (first < 0) {
    file.remove();
    errno = fork_error;
    throw_errno("fork");
  }
  const ExitStatus middle = reap(first);
  if (middle.exit_code.value_or(0) != 0) {
    file.remove();
    throw_error(*middle.exit_code,
                caller + ": starting the background process for " + quoted(address));
  }
  // The server accepts its starter's connection first, as soon as it has made its worker.
  Channel channel;
  try {
    channel =
        finish_handshake(std::move(connection), address, caller, deadline_after(kConnectTimeout));
  } catch (const ChannelClosed&) {
    throw ChannelClosed(caller + ": the background process for " + quoted(address) +
                        " ended before it could serve: it could not make its worker (short of "
                        "descriptors or processes?)");
  }
  if (tracing()) {
    trace("started background process " + std::to_string(channel.pid()) + " at " + quoted(address));
  }
  return channel;
}

bool runs_short(const std::system_error& error) noexcept {
  // As the Exchange counts them.
  const int code = error.code().value();
  return code == EAGAIN || code == EMFILE || code == ENFILE || code == ENOMEM;
}

Channel failed_start(const std::system_error& error) {
  RegisteredFd mine;
  RegisteredFd theirs;
  {
    auto lock = ChannelRegistry::lock();
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) throw_errno("socketpair");
    mine = RegisteredFd(Fd(ends[0]));
    theirs = RegisteredFd(Fd(ends[1]));
  }
  Channel reporter = ChannelAccess::make(std::move(theirs.fd));
  reporter.send_error("std::system_error", error.what());
  reporter.close();  // the report, then end-of-file
  return ChannelAccess::make(std::move(mine.fd));
}

}  // namespace detail
}  // namespace pprocess
