// Persistent and background processes, the server side: the double fork that detaches the
// background process, and the server in it that hands its worker's messages to whichever client
// is connected. The socket, connecting and the handshake are persistent_socket.cpp.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "channel_access.hpp"
#include "persistent_socket.hpp"
#include "pprocess/persistent.hpp"
#include "pprocess/process.hpp"
#include "system.hpp"

namespace pprocess {
namespace detail {

namespace {

/// Bytes of messages the server holds before it reads no more from its worker (whose send then
/// waits): a fast producer with no client does not fill the memory.
constexpr std::size_t kMostHeld = std::size_t{64} << 20;

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

/// The background process's side of its connections: what its worker (the process running the
/// function) sends is kept until a client has acknowledged it, and handed to whichever client is
/// connected, one client at a time.
class Server {
 public:
  Server(Fd listener, SocketFile file) : listener_(std::move(listener)), file_(std::move(file)) {}

  /// Accepts the next connection, if it is a client of this user and protocol.
  void accept_client() {
    RegisteredFd connection;
    {
      // Registered, so that a worker forked later does not hold the client's connection open.
      auto lock = ChannelRegistry::lock();
      connection = RegisteredFd(Fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC)));
    }
    if (!connection.fd) return;  // it gave up waiting (ECONNABORTED)
    // Only this user's processes: another user's connection is closed without a word.
    const std::optional<ucred> peer = peer_of(connection.fd.get());
    if (!peer || peer->uid != ::geteuid()) return;
    Hello ours;
    ours.pid = ::getpid();
    Hello theirs;
    if (!write_hello(connection.fd.get(), ours) ||
        !read_hello(connection.fd.get(), theirs, deadline_after(kHelloTimeout)) ||
        theirs.magic != ours.magic || theirs.version != ours.version) {
      return;  // not a client of this protocol; one of another version learns ours from our hello
    }
    client_ = ChannelAccess::make(std::move(connection.fd), peer->pid);
    // A client only collects: what it sends in place of a receipt is dropped with it, unread.
    ChannelAccess::expect_only_receipts(client_);
  }

  /// Serves until `worker` has ended and every message it sent has been acknowledged.
  void run(Child worker) {
    worker_ = std::move(worker);
    while (!worker_done_ || !pending_.empty()) {
      if (client_.is_open() && !pending_.empty()) {
        deliver();
      } else if (!worker_done_ && ChannelAccess::has_buffered(worker_.channel())) {
        read_worker();
      } else {
        wait_for_events();
      }
    }
  }

  /// Removes the socket file, answers the connections already waiting (there is nothing left
  /// for them: they see end-of-file after the handshake), then closes the listener and the
  /// client, which also sees end-of-file with the file already gone.
  void shut_down() noexcept {
    file_.remove();
    const Channel last = std::move(client_);
    try {
      std::vector<pollfd> fds{{listener_.get(), POLLIN, 0}};
      for (int n = 0; n < kBacklog && poll_until(fds, Clock::now()) > 0; ++n) {
        accept_client();
        client_ = Channel();  // its hello has been read: nothing unread resets the connection
      }
    } catch (...) {
    }
    close_registered(listener_);
  }

 private:
  /// A value's bytes, or an error report (type name, message).
  struct Message {
    std::string payload;
    std::optional<std::pair<std::string, std::string>> error;
  };

  void wait_for_events() {
    // Whatever may happen next: a client connecting (while none is), the worker sending (while
    // little is held), or the connected client leaving.
    std::vector<pollfd> fds{{client_.is_open() ? -1 : listener_.get(), POLLIN, 0},
                            {!worker_done_ && held_ < kMostHeld ? worker_.fileno() : -1, POLLIN, 0},
                            {client_.fileno(), POLLIN, 0}};
    poll_until(fds, std::nullopt);
    if (fds[1].revents != 0) read_worker();
    // A client with nothing to acknowledge has nothing to say: end-of-file is it leaving,
    // anything else breaks the protocol. Either way it goes, and what it sent is never read.
    if (fds[2].revents != 0) client_ = Channel();
    if (fds[0].revents != 0) accept_client();
  }

  void read_worker() {
    try {
      Message message;
      message.payload = worker_.receive<std::string>();  // a value's bytes, whatever its type
      held_ += message.payload.size();
      pending_.push_back(std::move(message));
    } catch (const RemoteError& e) {
      pending_.push_back(Message{{}, std::pair(e.type_name(), e.message())});
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
      pending_.push_back(
          Message{{}, std::pair("pprocess::ProcessDied", ProcessDied(status).what())});
    } else if (problem) {
      pending_.push_back(Message{{}, std::pair("pprocess::ProtocolError", *problem)});
    }
  }

  void deliver() {
    const Message& message = pending_.front();
    try {
      if (message.error) {
        ChannelAccess::report_error(client_, message.error->first, message.error->second);
      } else {
        client_.send(message.payload);
      }
    } catch (const std::exception&) {
      // It left, or broke the protocol, before acknowledging: the message is the next client's.
      client_ = Channel();
      return;
    }
    held_ -= message.payload.size();
    pending_.pop_front();
  }

  Fd listener_;
  SocketFile file_;
  Child worker_;
  bool worker_done_ = false;
  std::deque<Message> pending_;
  std::size_t held_ = 0;
  Channel client_;
};

/// In the first child of a starter: makes the background process, and returns only in its
/// worker, with the worker's channel to the server. The starter's connection waits in the
/// listener's backlog, its hello already sent.
Channel become_background(Fd listener, const SocketFile& file,
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
    // Signals reach it (a starter may have blocked some) and run none of the starter's handlers;
    // its worker's end is its to reap (SIGCHLD is not left ignored).
    reset_signals();
    Server serving(std::move(listener), file);
    serving.accept_client();  // the starter's
    // The worker dies with the server, as a created process does: killing the background
    // process (its server) ends all of it.
    Child worker = create(false);
    if (worker.pid() == 0) return std::move(worker.channel());  // it owns no process there
    serving.run(std::move(worker));
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
      return become_background(std::move(listening.first), listening.second, lock);
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
  // The server accepts its starter's connection first, as soon as it runs.
  Channel channel =
      finish_handshake(std::move(connection), address, caller, deadline_after(kConnectTimeout));
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
