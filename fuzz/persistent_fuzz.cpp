// libFuzzer target for a persistent connection's handshake and the frames after it, with a
// hostile peer at either end, all in this process (no fork per input). An input's first byte
// picks the side under test (persistent_fuzz.hpp); the rest is what that side reads from its
// peer, followed by end-of-file.
// - A client: pprocess::connect_persistent to a listening socket in a scratch directory, where a
//   thread plays the server: it accepts, writes the bytes (a hello, then frames), ends its side
//   and reads whatever the client answers. The client then receives values of the picked type.
// - A server: what a background process's server does with a connection it accepted (its hello
//   out, the client's hello in, then messages sent, each waiting for its receipt from a client
//   that may only acknowledge), on one end of a socket pair whose other end wrote the bytes.
// Whatever the bytes: the handshake succeeds exactly when they start with a hello of this
// protocol (from a server, one naming a process), and the client's channel then names the
// process its hello named; otherwise it fails with the documented exception. A receive returns
// a value or throws a pprocess::Error, never waits once the server has ended, and a server's
// send returns only for a receipt that arrived. Any other exception, a crash, a hang (-timeout),
// a sanitizer report or a broken promise (reported on stderr, then abort) is a finding.
#include "persistent_fuzz.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "channel_access.hpp"
#include "frame.hpp"
#include "persistent_socket.hpp"
#include "pprocess/channel.hpp"
#include "pprocess/detail/fd.hpp"
#include "pprocess/error.hpp"
#include "pprocess/persistent.hpp"

namespace pprocess::fuzz {
namespace {

using detail::ChannelAccess;
using detail::Fd;
using detail::Hello;

/// The most values a client receives from one input, and the messages a server sends.
constexpr int kMostValues = 32;
constexpr int kMessages = 4;

/// How long either end waits for the other. The peer has written everything and ended its side
/// before anything is read, so nothing should wait at all: a wait this long is a finding.
constexpr std::chrono::seconds kPatience{5};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "persistent_fuzz: %s\n", what.c_str());
  std::abort();
}

void expect(bool condition, const char* what) {
  if (!condition) fail(what);
}

/// Sends all of `bytes` on `socket` without waiting; false if the socket cannot hold them.
bool send_all(int socket, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(socket, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

/// Reads and drops what arrives on `socket` until its peer closes.
void drain(int socket) {
  std::array<char, 4096> buffer;
  for (;;) {
    const ssize_t got = ::recv(socket, buffer.data(), buffer.size(), 0);
    if (got <= 0 && !(got < 0 && errno == EINTR)) return;
  }
}

// --- The model: what the bytes say ------------------------------------------------------------

/// The hello the bytes start with, if they hold a whole one.
std::optional<Hello> hello_in(std::string_view bytes) {
  if (bytes.size() < sizeof(Hello)) return std::nullopt;
  Hello hello;
  std::memcpy(&hello, bytes.data(), sizeof hello);
  return hello;
}

/// Whether the bytes open with another protocol's hello: its magic and version (the opening every
/// version shares) are there and are not ours. Such a hello is refused whatever its length.
bool opens_foreign_hello(std::string_view bytes) {
  if (bytes.size() < detail::kHelloOpening) return false;
  Hello opening;
  std::memcpy(&opening, bytes.data(), detail::kHelloOpening);
  return !detail::speaks_our_protocol(opening);
}

/// How many well-formed acknowledgements the bytes after the hello start with: the receipts a
/// server may count, one per message, until anything else arrives.
int leading_receipts(std::string_view bytes) {
  using detail::FrameHeader;
  int receipts = 0;
  bytes.remove_prefix(std::min(bytes.size(), sizeof(Hello)));
  while (bytes.size() >= sizeof(FrameHeader)) {
    FrameHeader header;
    std::memcpy(&header, bytes.data(), sizeof header);
    if (header.magic != detail::kFrameMagic ||
        header.kind != static_cast<std::uint8_t>(detail::FrameKind::ack) || header.length != 0) {
      break;
    }
    ++receipts;
    bytes.remove_prefix(sizeof header);
  }
  return receipts;
}

// --- A hostile server ---------------------------------------------------------------------------

/// A socket listening in a scratch directory of its own, for the whole run: each input's client
/// connects there, and a thread of the target accepts it.
class Rendezvous {
 public:
  Rendezvous() {
    std::string directory =
        (std::filesystem::temp_directory_path() / "persistent_fuzz.XXXXXX").string();
    if (::mkdtemp(directory.data()) == nullptr) fail("cannot make a scratch directory");
    directory_ = directory;
    address_ = directory + "/server.socket";
    const sockaddr_un where = detail::socket_address(address_, "persistent_fuzz");
    listener_ = Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener_ ||
        ::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&where), sizeof where) != 0 ||
        ::listen(listener_.get(), 4) != 0) {
      fail("cannot listen at " + address_);
    }
  }
  Rendezvous(const Rendezvous&) = delete;
  Rendezvous& operator=(const Rendezvous&) = delete;
  ~Rendezvous() {
    listener_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  [[nodiscard]] const std::string& address() const noexcept { return address_; }

  /// The next connection; a client that never comes is a finding.
  Fd accept() {
    std::vector<pollfd> fds{{listener_.get(), POLLIN, 0}};
    const auto patience = std::chrono::duration_cast<std::chrono::milliseconds>(kPatience);
    if (::poll(fds.data(), fds.size(), static_cast<int>(patience.count())) <= 0) {
      fail("the client did not connect");
    }
    Fd connection(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!connection) fail("accept failed");
    return connection;
  }

 private:
  std::string directory_;
  std::string address_;
  Fd listener_;
};

Rendezvous& rendezvous() {
  static Rendezvous shared;
  return shared;
}

/// How a client's handshake ended.
enum class Handshake { made, closed, refused, busy };

/// Receives values of type T until the stream ends or breaks: what a receive may throw on bad
/// bytes is caught, anything else escapes and is a finding.
template <class T>
void receive_values(Channel& channel) {
  for (int i = 0; i < kMostValues; ++i) {
    try {
      static_cast<void>(channel.receive<T>(kPatience));
    } catch (const ChannelClosed&) {
      return;
    } catch (const RemoteError&) {
      expect(channel.received_error(), "a RemoteError that received_error() does not show");
    } catch (const ProtocolError&) {
      if (ChannelAccess::broken(channel)) return;  // else a value that did not decode, read whole
    } catch (const TimedOut&) {
      fail("a receive waited although the server had written everything and ended");
    }
  }
}

void receive_values(Channel& channel, ValueType type) {
  switch (type) {
    case ValueType::string:
      return receive_values<std::string>(channel);
    case ValueType::integers:
      return receive_values<std::vector<int>>(channel);
    case ValueType::row:
      return receive_values<Row>(channel);
    case ValueType::strings:
      return receive_values<std::vector<std::string>>(channel);
  }
}

/// Connects as a client and receives; the process its channel names, when the handshake is made.
Handshake play_client(ValueType type, pid_t& named) {
  std::optional<Channel> channel;
  try {
    channel.emplace(connect_persistent(rendezvous().address(), kPatience));
  } catch (const ChannelClosed&) {
    return Handshake::closed;
  } catch (const ProtocolError&) {
    return Handshake::refused;
  } catch (const Busy& e) {
    named = e.holder();
    return Handshake::busy;
  } catch (const std::system_error& e) {
    fail(std::string("the handshake failed with a std::system_error: ") + e.what());
  }
  named = channel->pid();
  receive_values(*channel, type);
  return Handshake::made;
}

/// A client against a server that sends `bytes`. False when the socket could not hold them.
bool against_hostile_server(ValueType type, std::string_view bytes) {
  bool fits = true;
  std::thread server([&] {
    const Fd connection = rendezvous().accept();
    fits = send_all(connection.get(), bytes);
    ::shutdown(connection.get(), SHUT_WR);
    drain(connection.get());  // the client's hello and receipts, until it closes
  });
  pid_t named = 0;
  const Handshake handshake = play_client(type, named);
  server.join();
  if (!fits) return false;

  const std::optional<Hello> hello = hello_in(bytes);
  if (opens_foreign_hello(bytes)) {
    expect(handshake == Handshake::refused, "a foreign hello was not a ProtocolError");
  } else if (!hello) {
    expect(handshake == Handshake::closed, "a hello cut short did not end in ChannelClosed");
  } else if (hello->pid <= 0) {
    expect(handshake == Handshake::refused, "a hello naming no process was not a ProtocolError");
  } else if (hello->holder != 0) {
    expect(handshake == Handshake::busy, "a hello naming a holder was not Busy");
    expect(named == hello->holder, "Busy does not name the holder its hello named");
  } else {
    expect(handshake == Handshake::made, "a valid hello did not make the connection");
    expect(named == hello->pid, "the channel does not name the process its hello named");
  }
  return true;
}

// --- A hostile client ---------------------------------------------------------------------------

/// A server's side of a connection whose client sends `bytes`, as a background process's server
/// takes it: its hello out, the client's in, then each message sent (a value, or an error
/// report) and its receipt awaited, until the client is dropped for anything but a receipt.
/// False when the socket could not hold the bytes.
bool against_hostile_client(std::string_view bytes) {
  std::array<int, 2> ends{};
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends.data()) != 0) {
    fail("socketpair failed");
  }
  Fd connection(ends[0]);
  const Fd client(ends[1]);
  if (!send_all(client.get(), bytes)) return false;
  ::shutdown(client.get(), SHUT_WR);  // what the server sends stays in the socket, unread

  Hello ours;
  ours.pid = ::getpid();
  Hello theirs;
  const bool shook =
      detail::write_hello(connection.get(), ours) &&
      detail::read_hello(connection.get(), theirs, detail::deadline_after(kPatience)) &&
      detail::speaks_our_protocol(theirs);
  const std::optional<Hello> hello = hello_in(bytes);
  expect(shook == (hello && detail::speaks_our_protocol(*hello)),
         "the server's handshake disagrees with the client's hello");
  if (!shook) return true;

  Channel channel = ChannelAccess::make(std::move(connection), ::getpid());
  ChannelAccess::expect_only_receipts(channel);
  int delivered = 0;
  try {
    for (; delivered < kMessages; ++delivered) {
      if (delivered == 1) {
        ChannelAccess::report_error(channel, "std::runtime_error", "the work failed");
      } else {
        channel.send(std::string(static_cast<std::size_t>(delivered) * 100, 'x'));
      }
    }
  } catch (const std::exception&) {
    // The server drops a client that leaves or breaks the protocol; the message stays pending.
  }
  expect(delivered == std::min(kMessages, leading_receipts(bytes)),
         "a message counted as delivered without its receipt, or a receipt was missed");
  return true;
}

}  // namespace
}  // namespace pprocess::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  static_cast<void>(pprocess::fuzz::rendezvous());  // listening before the first input
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fuzz = pprocess::fuzz;
  if (size == 0) return 0;
  const auto side = static_cast<fuzz::Side>(data[0] & 1);
  const auto type = static_cast<fuzz::ValueType>((data[0] >> 1) % fuzz::kValueTypes);
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool fits = side == fuzz::Side::client ? fuzz::against_hostile_server(type, bytes)
                                               : fuzz::against_hostile_client(bytes);
  return fits ? 0 : -1;  // -1: an input larger than a socket holds is not kept
}
