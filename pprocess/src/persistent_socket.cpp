// Persistent connections, the socket side: addresses, the listening socket and its file,
// connecting, and the handshake that opens every connection.
#include "persistent_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <vector>

#include "channel_access.hpp"

namespace pprocess {
namespace detail {

namespace {

/// Connects `socket` to `where`; false with errno set when that fails.
bool connect_to(int socket, const sockaddr_un& where) {
  if (::connect(socket, reinterpret_cast<const sockaddr*>(&where), sizeof where) == 0) return true;
  if (errno != EINTR) return false;
  // Interrupted: the connection goes on being made. Wait for it, then ask how it went.
  std::vector<pollfd> fds{{socket, POLLOUT, 0}};
  poll_until(fds, std::nullopt);
  int error = 0;
  socklen_t length = sizeof error;
  if (::getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return false;
  errno = error;
  return error == 0;
}

/// Whether a process listens on the socket file at `where`. A file left behind by a process
/// that ended refuses connections; a listener accepts them (or, busy, has a full backlog).
bool someone_listens(const sockaddr_un& where, const std::string& address) {
  const Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!probe) throw_errno("socket");
  if (connect_to(probe.get(), where) || errno == EAGAIN || errno == EINPROGRESS) return true;
  if (errno == ECONNREFUSED || errno == ENOENT) return false;
  throw_error(errno, "pprocess::start_persistent: cannot tell whether a process listens at " +
                         quoted(address));
}

}  // namespace

sockaddr_un socket_address(const std::string& address, const std::string& caller) {
  sockaddr_un where{};
  where.sun_family = AF_UNIX;
  if (address.empty() || address.find('\0') != std::string::npos) {
    throw_error(EINVAL, caller + ": " + quoted(address) + " is not a socket path");
  }
  if (address.size() >= sizeof where.sun_path) {
    throw_error(ENAMETOOLONG, caller + ": the address " + quoted(address) + " is longer than the " +
                                  std::to_string(sizeof where.sun_path - 1) +
                                  " bytes a UNIX socket path may have");
  }
  std::memcpy(where.sun_path, address.data(), address.size());
  return where;
}

std::optional<ucred> peer_of(int socket) {
  ucred peer{};
  socklen_t length = sizeof peer;
  if (::getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0) return std::nullopt;
  return peer;
}

bool write_hello(int socket, const Hello& hello) {
  const ssize_t sent = retry_eintr(
      [&] { return ::send(socket, &hello, sizeof hello, MSG_NOSIGNAL | MSG_DONTWAIT); });
  return sent == static_cast<ssize_t>(sizeof hello);  // 24 bytes always fit a fresh socket
}

bool read_hello(int socket, Hello& hello, std::optional<Clock::time_point> deadline) {
  auto* bytes = reinterpret_cast<char*>(&hello);
  std::size_t done = 0;
  std::size_t wanted = sizeof hello;
  while (done < wanted) {
    std::vector<pollfd> fds{{socket, POLLIN, 0}};
    if (poll_until(fds, deadline) == 0) return false;
    const ssize_t got =
        retry_eintr([&] { return ::recv(socket, bytes + done, wanted - done, MSG_DONTWAIT); });
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (got <= 0) return false;
    done += static_cast<std::size_t>(got);
    // Another protocol's hello may be of another size: its opening says all there is to say.
    if (done >= kHelloOpening && !speaks_our_protocol(hello)) wanted = done;
  }
  return true;
}

bool speaks_our_protocol(const Hello& hello) noexcept {
  const Hello ours;
  return hello.magic == ours.magic && hello.version == ours.version;
}

RegisteredFd registered_socket(const std::string& address, const std::string& caller) {
  Fd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!socket) throw_error(errno, caller + ": no socket for a connection to " + quoted(address));
  return RegisteredFd(std::move(socket));
}

void open_connection(int socket, const sockaddr_un& where, const std::string& address,
                     const std::string& caller) {
  if (!connect_to(socket, where)) {
    const int error = errno;
    if (error == ECONNREFUSED || error == ENOENT) {
      throw_error(error, caller + ": nobody listens at " + quoted(address));
    }
    throw_error(error, caller + ": connect to " + quoted(address));
  }
  // Results are trusted only from this user's processes, as the server trusts only this user.
  const std::optional<ucred> peer = peer_of(socket);
  if (!peer) throw_errno("getsockopt SO_PEERCRED");
  if (peer->uid != ::geteuid()) {
    throw_error(EPERM, caller + ": the process listening at " + quoted(address) +
                           " belongs to user " + std::to_string(peer->uid));
  }
  if (!write_hello(socket, Hello{})) {
    throw ChannelClosed("pprocess: the process at " + quoted(address) +
                        " closed the connection before the handshake");
  }
}

Channel finish_handshake(RegisteredFd socket, const std::string& address, const std::string& caller,
                         Clock::time_point deadline) {
  const Hello ours;
  Hello theirs;
  if (!read_hello(socket.fd.get(), theirs, deadline)) {
    if (Clock::now() >= deadline) {
      throw_error(ETIMEDOUT, caller + ": the process at " + quoted(address) +
                                 " accepted the connection but did not answer in time (it is not "
                                 "a pprocess background process, or it is stuck)");
    }
    throw ChannelClosed("pprocess: the process at " + quoted(address) +
                        " closed the connection before the handshake (it has ended, or it "
                        "refuses this connection)");
  }
  if (theirs.magic != ours.magic || (theirs.version == ours.version && theirs.pid <= 0)) {
    throw ProtocolError("pprocess: " + quoted(address) +
                        " is not a pprocess background process: its first bytes are not a "
                        "persistent handshake");
  }
  if (theirs.version != ours.version) {
    throw ProtocolError("pprocess: the process at " + quoted(address) +
                        " speaks persistent protocol version " + std::to_string(theirs.version) +
                        ", this program version " + std::to_string(ours.version));
  }
  if (theirs.holder != 0) {
    throw Busy(caller + ": the process at " + quoted(address) + " serves another client, process " +
                   std::to_string(theirs.holder) +
                   ", and serves one at a time: try again once that one has gone",
               theirs.holder);
  }
  return ChannelAccess::make(std::move(socket.fd), theirs.pid);
}

bool SocketFile::still_there() const noexcept {
  struct stat now {};
  return ::lstat(address.c_str(), &now) == 0 && now.st_dev == device && now.st_ino == inode;
}

void SocketFile::remove() const noexcept {
  if (still_there()) ::unlink(address.c_str());
}

std::pair<Fd, SocketFile> listen_at(const std::string& address) {
  const std::string caller = "pprocess::start_persistent";
  const sockaddr_un where = socket_address(address, caller);
  for (int attempt = 0; attempt < 3; ++attempt) {
    Fd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener) throw_error(errno, caller + ": no socket to listen at " + quoted(address));
    if (listener.get() <= STDERR_FILENO) {
      listener = Fd(::fcntl(listener.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1));
      if (!listener) throw_errno("fcntl");
    }
    // bind makes the file with the socket's mode, less the umask: only this user may connect.
    if (::fchmod(listener.get(), S_IRUSR | S_IWUSR) != 0) throw_errno("fchmod");
    if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&where), sizeof where) == 0) {
      struct stat made {};
      if (::lstat(address.c_str(), &made) != 0) throw_errno("lstat");
      const SocketFile file{address, made.st_dev, made.st_ino};
      if (::listen(listener.get(), kBacklog) != 0) {
        const int error = errno;
        file.remove();
        throw_error(error, caller + ": listen at " + quoted(address));
      }
      return {std::move(listener), file};
    }
    if (errno != EADDRINUSE) throw_error(errno, caller + ": bind to " + quoted(address));
    struct stat there {};
    if (::lstat(address.c_str(), &there) != 0) {
      if (errno == ENOENT) continue;  // gone meanwhile
      throw_error(errno, caller + ": lstat " + quoted(address));
    }
    if (!S_ISSOCK(there.st_mode)) {
      throw_error(EADDRINUSE, caller + ": " + quoted(address) + " exists and is not a socket");
    }
    if (someone_listens(where, address)) {
      throw_error(EADDRINUSE, caller + ": a process listens at " + quoted(address));
    }
    // Stale: left by a process that ended without removing it (killed, say).
    SocketFile{address, there.st_dev, there.st_ino}.remove();
  }
  throw_error(EADDRINUSE, caller + ": " + quoted(address) + " keeps being taken");
}

}  // namespace detail

Channel connect_persistent(const std::string& address, std::chrono::milliseconds timeout) {
  const std::string caller = "pprocess::connect_persistent";
  const sockaddr_un where = detail::socket_address(address, caller);
  detail::RegisteredFd connection;
  {
    auto lock = detail::ChannelRegistry::lock();
    connection = detail::registered_socket(address, caller);
  }
  detail::open_connection(connection.fd.get(), where, address, caller);
  return detail::finish_handshake(std::move(connection), address, caller,
                                  detail::deadline_after(timeout));
}

}  // namespace pprocess
