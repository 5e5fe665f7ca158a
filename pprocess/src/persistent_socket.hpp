// Persistent connections, the socket side: addresses, the listening socket and its file,
// connecting, and the handshake that opens every connection. The server is persistent_server.cpp.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "pprocess/channel.hpp"
#include "pprocess/detail/fd.hpp"
#include "pprocess/persistent.hpp"
#include "system.hpp"

namespace pprocess::detail {

/// The first bytes each end of a persistent connection writes: what it is, which protocol it
/// speaks, and (from the server) its process id and whether it is free. Both ends are on one
/// machine: native order. The client speaks first; the server answers once it has the client's.
struct Hello {
  std::array<char, 8> magic{'p', 'p', 'r', 'o', 'c', 'e', 's', 's'};
  std::uint32_t version = kPersistentProtocolVersion;
  std::int32_t pid = 0;  // 0 from a client
  // From a server serving another client: that client's process id (the server then closes
  // this connection). 0 from a server that serves this client, and from a client.
  std::int32_t holder = 0;
  std::uint32_t reserved = 0;
};
static_assert(sizeof(Hello) == 24);
/// The part of a hello that every protocol version shares: its magic and its version. A peer
/// of another version is told apart by these bytes alone.
constexpr std::size_t kHelloOpening = 12;

/// Connections that may wait in the listener's queue until the server greets them.
constexpr int kBacklog = 16;
/// How long the server waits for a connection's hello before it drops it (each connection has
/// its own deadline: several silent ones hold up nobody).
constexpr std::chrono::seconds kHelloTimeout{5};

/// `'address'`, for messages.
inline std::string quoted(const std::string& address) { return "'" + address + "'"; }

/// `address` as a socket address; one sun_path cannot hold is an error naming it, never cut.
sockaddr_un socket_address(const std::string& address, const std::string& caller);

/// The user and process at the other end of a UNIX socket (for a listening peer: those of the
/// process that made it listen).
std::optional<ucred> peer_of(int socket);

/// Sends this end's hello; false when the peer has gone.
bool write_hello(int socket, const Hello& hello);

/// Reads the peer's hello; false at end-of-file, on an error, or once `deadline` has passed.
/// A hello of another magic or version is read only as far as its opening.
bool read_hello(int socket, Hello& hello, std::optional<Clock::time_point> deadline);

/// A descriptor registered with the channel registry (so that processes forked meanwhile close
/// it), closed and unregistered unless it is taken out into a Channel.
struct RegisteredFd {
  Fd fd;

  RegisteredFd() = default;
  /// Registers `adopted`; the caller holds the registry's lock.
  explicit RegisteredFd(Fd adopted) : fd(std::move(adopted)) {
    if (fd) ChannelRegistry::add(fd.get());
  }
  RegisteredFd(RegisteredFd&&) noexcept = default;
  RegisteredFd& operator=(RegisteredFd&& other) noexcept {
    close_registered(fd);
    fd = std::move(other.fd);
    return *this;
  }
  ~RegisteredFd() { close_registered(fd); }
};

/// A new stream socket, registered, for a connection to `address`; the caller holds the
/// registry's lock. None to be had (too many descriptors open, say) is an error naming `caller`
/// and the address.
RegisteredFd registered_socket(const std::string& address, const std::string& caller);

/// Connects `socket` to the server at `where` and says hello; `finish_handshake` reads the
/// answer.
void open_connection(int socket, const sockaddr_un& where, const std::string& address,
                     const std::string& caller);

/// Reads the server's hello, waiting until `deadline` at most (then ETIMEDOUT naming the
/// address): the connection is then a channel to it.
Channel finish_handshake(RegisteredFd socket, const std::string& address, const std::string& caller,
                         Clock::time_point deadline);

/// Whether a hello's opening is this protocol's: its magic and version.
bool speaks_our_protocol(const Hello& hello) noexcept;

/// The socket file a server made. It removes the file at its address only while that is still
/// the same file, never one made there since by someone else.
struct SocketFile {
  std::string address;
  dev_t device = 0;
  ino_t inode = 0;

  /// Whether the file at the address is still this one (not removed, not replaced).
  [[nodiscard]] bool still_there() const noexcept;
  void remove() const noexcept;
};

/// A listening socket bound at `address` with mode 0600, on a descriptor above the standard
/// streams (the background process puts /dev/null there). A socket file nobody listens on is
/// replaced.
std::pair<Fd, SocketFile> listen_at(const std::string& address);

}  // namespace pprocess::detail
