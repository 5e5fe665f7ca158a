// Persistent and background processes: the socket file, the handshake, the double fork, and the
// server that hands a background function's messages to whichever client is connected.
#include "pprocess/persistent.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "channel_access.hpp"
#include "system.hpp"

namespace pprocess {

namespace {

/// The first bytes each end of a persistent connection writes: what it is, which protocol it
/// speaks, and (from the server) its process id. Both ends are on one machine: native order.
struct Hello {
  std::array<char, 8> magic{'p', 'p', 'r', 'o', 'c', 'e', 's', 's'};
  std::uint32_t version = kPersistentProtocolVersion;
  std::int32_t pid = 0;  // 0 from a client
};
static_assert(sizeof(Hello) == 16);

/// Connections that may wait for the server while it serves another.
constexpr int kBacklog = 16;
/// How long the server waits for a connection's hello before it drops the connection.
constexpr std::chrono::seconds kHelloTimeout{5};
/// Bytes of messages the server holds before it reads no more from its worker (whose send then
/// waits): a fast producer with no client does not fill the memory.
constexpr std::size_t kMostHeld = std::size_t{64} << 20;

[[noreturn]] void fail(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

std::string quoted(const std::string& address) { return "'" + address + "'"; }

/// Output buffered before fork would otherwise be printed by both processes.
void flush_output() noexcept {
  std::cout.flush();
  std::cerr.flush();
  std::clog.flush();
  std::fflush(nullptr);
}

/// `address` as a socket address; one sun_path cannot hold is an error naming it, never cut.
sockaddr_un socket_address(const std::string& address, const std::string& caller) {
  sockaddr_un where{};
  where.sun_family = AF_UNIX;
  if (address.empty() || address.find('\0') != std::string::npos) {
    fail(EINVAL, caller + ": " + quoted(address) + " is not a socket path");
  }
  if (address.size() >= sizeof where.sun_path) {
    fail(ENAMETOOLONG, caller + ": the address " + quoted(address) + " is longer than the " +
                           std::to_string(sizeof where.sun_path - 1) +
                           " bytes a UNIX socket path may have");
  }
  std::memcpy(where.sun_path, address.data(), address.size());
  return where;
}

/// Connects `socket` to `where`; false with errno set when that fails.
bool connect_to(int socket, const sockaddr_un& where) {
  if (::connect(socket, reinterpret_cast<const sockaddr*>(&where), sizeof where) == 0) return true;
  if (errno != EINTR) return false;
  // Interrupted: the connection goes on being made. Wait for it, then ask how it went.
  std::vector<pollfd> fds{{socket, POLLOUT, 0}};
  detail::poll_until(fds, std::nullopt);
  int error = 0;
  socklen_t length = sizeof error;
  if (::getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return false;
  errno = error;
  return error == 0;
}

/// The user and process at the other end of a UNIX socket (for a listening peer: those of the
/// process that made it listen).
std::optional<ucred> peer_of(int socket) {
  ucred peer{};
  socklen_t length = sizeof peer;
  if (::getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0) return std::nullopt;
  return peer;
}

bool write_hello(int socket, const Hello& hello) {
  const ssize_t sent = detail::retry_eintr(
      [&] { return ::send(socket, &hello, sizeof hello, MSG_NOSIGNAL | MSG_DONTWAIT); });
  return sent == static_cast<ssize_t>(sizeof hello);  // 16 bytes always fit a fresh socket
}

/// Reads the peer's hello; false at end-of-file, on an error, or once `deadline` has passed.
bool read_hello(int socket, Hello& hello, std::optional<detail::Clock::time_point> deadline) {
  auto* bytes = reinterpret_cast<char*>(&hello);
  std::size_t done = 0;
  while (done < sizeof hello) {
    std::vector<pollfd> fds{{socket, POLLIN, 0}};
    if (detail::poll_until(fds, deadline) == 0) return false;
    const ssize_t got = detail::retry_eintr(
        [&] { return ::recv(socket, bytes + done, sizeof hello - done, MSG_DONTWAIT); });
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (got <= 0) return false;
    done += static_cast<std::size_t>(got);
  }
  return true;
}

/// A descriptor registered with the channel registry (so that processes forked meanwhile close
/// it), closed and unregistered unless it is taken out into a Channel.
struct RegisteredFd {
  detail::Fd fd;

  RegisteredFd() = default;
  /// Registers `adopted`; the caller holds the registry's lock.
  explicit RegisteredFd(detail::Fd adopted) : fd(std::move(adopted)) {
    if (fd) detail::ChannelRegistry::add(fd.get());
  }
  RegisteredFd(RegisteredFd&&) noexcept = default;
  RegisteredFd& operator=(RegisteredFd&& other) noexcept {
    detail::close_registered(fd);
    fd = std::move(other.fd);
    return *this;
  }
  ~RegisteredFd() { detail::close_registered(fd); }
};

/// A new stream socket, registered; the caller holds the registry's lock.
RegisteredFd registered_socket() {
  detail::Fd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!socket) detail::throw_errno("socket");
  return RegisteredFd(std::move(socket));
}

/// Connects `socket` to the server at `where` and says hello; `finish_handshake` reads the
/// answer.
void open_connection(int socket, const sockaddr_un& where, const std::string& address,
                     const std::string& caller) {
  if (!connect_to(socket, where)) {
    const int error = errno;
    if (error == ECONNREFUSED || error == ENOENT) {
      fail(error, caller + ": nobody listens at " + quoted(address));
    }
    fail(error, caller + ": connect to " + quoted(address));
  }
  // Results are trusted only from this user's processes, as the server trusts only this user.
  const std::optional<ucred> peer = peer_of(socket);
  if (!peer) detail::throw_errno("getsockopt SO_PEERCRED");
  if (peer->uid != ::geteuid()) {
    fail(EPERM, caller + ": the process listening at " + quoted(address) + " belongs to user " +
                    std::to_string(peer->uid));
  }
  if (!write_hello(socket, Hello{})) {
    throw ChannelClosed("pprocess: the process at " + quoted(address) +
                        " closed the connection before the handshake");
  }
}

/// Reads the server's hello: the connection is then a channel to it.
Channel finish_handshake(RegisteredFd socket, const std::string& address) {
  const Hello ours;
  Hello theirs;
  if (!read_hello(socket.fd.get(), theirs, std::nullopt)) {
    throw ChannelClosed("pprocess: the process at " + quoted(address) +
                        " closed the connection before the handshake (it has ended, or it "
                        "refuses this connection)");
  }
  if (theirs.magic != ours.magic || theirs.pid <= 0) {
    throw ProtocolError("pprocess: " + quoted(address) +
                        " is not a pprocess background process: its first bytes are not a "
                        "persistent handshake");
  }
  if (theirs.version != ours.version) {
    throw ProtocolError("pprocess: the process at " + quoted(address) +
                        " speaks persistent protocol version " + std::to_string(theirs.version) +
                        ", this program version " + std::to_string(ours.version));
  }
  return detail::ChannelAccess::connection(std::move(socket.fd), theirs.pid);
}

/// The socket file a server made. It removes the file at its address only while that is still
/// the same file, never one made there since by someone else.
struct SocketFile {
  std::string address;
  dev_t device = 0;
  ino_t inode = 0;

  void remove() const noexcept {
    struct stat now {};
    if (::lstat(address.c_str(), &now) == 0 && now.st_dev == device && now.st_ino == inode) {
      ::unlink(address.c_str());
    }
  }
};

/// Whether a process listens on the socket file at `where`. A file left behind by a process
/// that ended refuses connections; a listener accepts them (or, busy, has a full backlog).
bool someone_listens(const sockaddr_un& where, const std::string& address) {
  const detail::Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!probe) detail::throw_errno("socket");
  if (connect_to(probe.get(), where) || errno == EAGAIN || errno == EINPROGRESS) return true;
  if (errno == ECONNREFUSED || errno == ENOENT) return false;
  fail(errno,
       "pprocess::start_persistent: cannot tell whether a process listens at " + quoted(address));
}

/// A listening socket bound at `address` with mode 0600, on a descriptor above the standard
/// streams (the background process puts /dev/null there). A socket file nobody listens on is
/// replaced.
std::pair<detail::Fd, SocketFile> listen_at(const std::string& address) {
  const std::string caller = "pprocess::start_persistent";
  const sockaddr_un where = socket_address(address, caller);
  for (int attempt = 0; attempt < 3; ++attempt) {
    detail::Fd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener) detail::throw_errno("socket");
    if (listener.get() <= STDERR_FILENO) {
      listener = detail::Fd(::fcntl(listener.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1));
      if (!listener) detail::throw_errno("fcntl");
    }
    // bind makes the file with the socket's mode, less the umask: only this user may connect.
    if (::fchmod(listener.get(), S_IRUSR | S_IWUSR) != 0) detail::throw_errno("fchmod");
    if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&where), sizeof where) == 0) {
      struct stat made {};
      if (::lstat(address.c_str(), &made) != 0) detail::throw_errno("lstat");
      const SocketFile file{address, made.st_dev, made.st_ino};
      if (::listen(listener.get(), kBacklog) != 0) {
        const int error = errno;
        file.remove();
        fail(error, caller + ": listen at " + quoted(address));
      }
      return {std::move(listener), file};
    }
    if (errno != EADDRINUSE) fail(errno, caller + ": bind to " + quoted(address));
    struct stat there {};
    if (::lstat(address.c_str(), &there) != 0) {
      if (errno == ENOENT) continue;  // gone meanwhile
      fail(errno, caller + ": lstat " + quoted(address));
    }
    if (!S_ISSOCK(there.st_mode)) {
      fail(EADDRINUSE, caller + ": " + quoted(address) + " exists and is not a socket");
    }
    if (someone_listens(where, address)) {
      fail(EADDRINUSE, caller + ": a process listens at " + quoted(address));
    }
    // Stale: left by a process that ended without removing it (killed, say).
    SocketFile{address, there.st_dev, there.st_ino}.remove();
  }
  fail(EADDRINUSE, caller + ": " + quoted(address) + " keeps being taken");
}

/// Standard input, output and error on /dev/null: reading gives end-of-file, writing succeeds,
/// and no terminal or pipe of the starter is kept open.
void detach_standard_streams() {
  const int null = ::open("/dev/null", O_RDWR);
  if (null < 0) detail::throw_errno("open /dev/null");
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
    if (null != fd && ::dup2(null, fd) < 0) detail::throw_errno("dup2");
  }
  if (null > STDERR_FILENO) ::close(null);
}

/// The background process's side of its connections: what its worker (the process running the
/// function) sends is kept until a client has acknowledged it, and handed to whichever client is
/// connected, one client at a time.
class Server {
 public:
  Server(detail::Fd listener, SocketFile file)
      : listener_(std::move(listener)), file_(std::move(file)) {}

  /// Accepts the next connection, if it is a client of this user and protocol.
  void accept_client() {
    RegisteredFd connection;
    {
      // Registered, so that a worker forked later does not hold the client's connection open.
      auto lock = detail::ChannelRegistry::lock();
      connection =
          RegisteredFd(detail::Fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC)));
    }
    if (!connection.fd) return;  // it gave up waiting (ECONNABORTED)
    // Only this user's processes: another user's connection is closed without a word.
    const std::optional<ucred> peer = peer_of(connection.fd.get());
    if (!peer || peer->uid != ::geteuid()) return;
    Hello ours;
    ours.pid = ::getpid();
    Hello theirs;
    if (!write_hello(connection.fd.get(), ours) ||
        !read_hello(connection.fd.get(), theirs, detail::deadline_after(kHelloTimeout)) ||
        theirs.magic != ours.magic || theirs.version != ours.version) {
      return;  // not a client of this protocol; one of another version learns ours from our hello
    }
    client_ = detail::ChannelAccess::connection(std::move(connection.fd), peer->pid);
  }

  /// Serves until `worker` has ended and every message it sent has been acknowledged.
  void run(Channel worker) {
    worker_ = std::move(worker);
    while (!worker_done_ || !pending_.empty()) {
      if (client_.is_open() && !pending_.empty()) {
        deliver();
      } else if (!worker_done_ && detail::ChannelAccess::has_buffered(worker_)) {
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
      for (int n = 0; n < kBacklog && detail::poll_until(fds, detail::Clock::now()) > 0; ++n) {
        accept_client();
        client_ = Channel();  // its hello has been read: nothing unread resets the connection
      }
    } catch (...) {
    }
    detail::close_registered(listener_);
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
    detail::poll_until(fds, std::nullopt);
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
        detail::ChannelAccess::report_error(client_, message.error->first, message.error->second);
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

  detail::Fd listener_;
  SocketFile file_;
  Channel worker_;
  bool worker_done_ = false;
  std::deque<Message> pending_;
  std::size_t held_ = 0;
  Channel client_;
};

/// In the first child of a starter: makes the background process, and returns only in its
/// worker, with the worker's channel to the server. The starter's connection waits in the
/// listener's backlog, its hello already sent.
Channel become_background(detail::Fd listener, const SocketFile& file,
                          std::unique_lock<std::mutex>& registry_lock) {
  // A new session without a terminal, whose leader ends at once: the background process proper
  // is nobody's child to wait for, and can never acquire a terminal.
  if (::setsid() < 0) ::_exit(errno);
  const pid_t server = ::fork();
  if (server != 0) ::_exit(server < 0 ? errno : 0);
  try {
    // No PR_SET_PDEATHSIG: the background process outlives its starter. It keeps none of the
    // starter's channels (their peers would wait for it) and not the starter's connection.
    detail::ChannelRegistry::close_all_except(listener.get());
    registry_lock.unlock();
    detach_standard_streams();
    // Signals reach it (a starter may have blocked some), and its worker's end is its to reap.
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGCHLD, SIG_DFL);
    Server serving(std::move(listener), file);
    serving.accept_client();  // the starter's
    // The worker dies with the server, as a created process does: killing the background
    // process (its server) ends all of it.
    Channel worker = detail::create(false);
    if (worker.pid() == 0) return worker;
    serving.run(std::move(worker));
    serving.shut_down();
    ::_exit(0);
  } catch (...) {
    file.remove();
    ::_exit(1);
  }
}

}  // namespace

namespace detail {

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
      connection = registered_socket();
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
    fail(*middle.exit_code, caller + ": starting the background process for " + quoted(address));
  }
  return finish_handshake(std::move(connection), address);
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
  Channel reporter = ChannelAccess::make(std::move(theirs.fd), nullptr, false);
  reporter.send_error("std::system_error", error.what());
  reporter.close();  // the report, then end-of-file
  return ChannelAccess::make(std::move(mine.fd), nullptr, false);
}

}  // namespace detail

Channel connect_persistent(const std::string& address) {
  const std::string caller = "pprocess::connect_persistent";
  const sockaddr_un where = socket_address(address, caller);
  RegisteredFd connection;
  {
    auto lock = detail::ChannelRegistry::lock();
    connection = registered_socket();
  }
  open_connection(connection.fd.get(), where, address, caller);
  return finish_handshake(std::move(connection), address);
}

}  // namespace pprocess
