// Channel: framing, acknowledgements and errors over one stream socket.
#include "pprocess/channel.hpp"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <utility>

#include "system.hpp"

namespace pprocess {

namespace {

constexpr std::uint32_t kMagic = 0x70707263;  // "pprc"
constexpr int kGraceMs = 1000;
constexpr std::uint8_t kWantsAcknowledgement = 1;

/// Every frame starts with this header: what it is and how many bytes follow.
struct Header {
  std::uint32_t magic = kMagic;
  std::uint8_t kind = 0;
  std::uint8_t flags = 0;  // kWantsAcknowledgement, or nothing
  std::array<std::uint8_t, 2> reserved{};
  std::uint64_t length = 0;
};
static_assert(sizeof(Header) == 16);

std::string describe_kind(std::uint8_t kind) {
  switch (static_cast<detail::FrameKind>(kind)) {
    case detail::FrameKind::data:
      return "a data frame";
    case detail::FrameKind::error:
      return "an error frame";
    case detail::FrameKind::ack:
      return "an acknowledgement";
    case detail::FrameKind::control:
      return "a stop request";
  }
  return "frame kind " + std::to_string(kind);
}

std::string peer_name(pid_t pid) {
  return pid > 0 ? "process " + std::to_string(pid) : std::string("the creating process");
}

bool is_disconnect(int error) { return error == EPIPE || error == ECONNRESET; }

}  // namespace

Channel::Channel(int fd, pid_t pid, bool offers_reuse)
    : fd_(fd), pid_(pid), owner_(::getpid()), offers_reuse_(offers_reuse) {
  if (fd_ >= 0) {
    auto lock = detail::ChannelRegistry::lock();
    detail::ChannelRegistry::add(fd_);
  }
}

Channel::Channel(int fd, pid_t pid, bool offers_reuse, Registered) noexcept
    : fd_(fd), pid_(pid), owner_(::getpid()), offers_reuse_(offers_reuse) {}

Channel::Channel(Channel&& other) noexcept { swap(other); }

Channel& Channel::operator=(Channel&& other) noexcept {
  if (this != &other) {
    Channel previous(std::move(*this));  // closed and reaped at the end of this scope
    swap(other);
  }
  return *this;
}

void Channel::swap(Channel& other) noexcept {
  using std::swap;
  swap(fd_, other.fd_);
  swap(pid_, other.pid_);
  swap(owner_, other.owner_);
  swap(offers_reuse_, other.offers_reuse_);
  swap(received_error_, other.received_error_);
  swap(ack_owed_, other.ack_owed_);
  swap(broken_, other.broken_);
  swap(frames_received_, other.frames_received_);
  swap(status_, other.status_);
  swap(buffer_, other.buffer_);
  swap(inbox_, other.inbox_);
  swap(inbox_begin_, other.inbox_begin_);
  swap(inbox_end_, other.inbox_end_);
}

Channel::~Channel() {
  if (owner_ != ::getpid()) return;  // a copy inherited through fork: its descriptor is closed
  release();
  if (pid_ > 0 && !status_) status_ = detail::reap_or_kill(pid_, kGraceMs);
}

void Channel::release() noexcept {
  if (fd_ < 0) return;
  // Closed under the lock: a fork elsewhere must see the descriptor either registered (and
  // close it in the child) or gone.
  auto lock = detail::ChannelRegistry::lock();
  detail::ChannelRegistry::remove(fd_);
  ::close(fd_);
  fd_ = -1;
}

void Channel::close() {
  if (owner_ != ::getpid()) {
    fd_ = -1;
    return;
  }
  release();
  if (pid_ > 0 && !status_) wait();
}

ExitStatus Channel::wait() {
  if (pid_ <= 0) throw std::logic_error("pprocess::Channel::wait: only the creator can wait");
  if (!status_) status_ = detail::reap(pid_);
  return *status_;
}

std::optional<ExitStatus> Channel::try_wait() {
  if (pid_ <= 0) throw std::logic_error("pprocess::Channel::try_wait: only the creator can wait");
  if (!status_) status_ = detail::try_reap(pid_);
  return status_;
}

void Channel::send_frame(detail::FrameKind kind, std::span<const char> payload, bool wants_ack) {
  if (fd_ < 0) throw ChannelClosed("pprocess: send on a closed channel");
  if (broken_) throw ProtocolError("pprocess: the channel to " + peer_name(pid_) + " is broken");
  if (payload.size() > detail::kMaxFrameBytes) {
    throw ProtocolError("pprocess: a value of " + std::to_string(payload.size()) +
                        " bytes exceeds the frame limit of " +
                        std::to_string(detail::kMaxFrameBytes) + " bytes");
  }
  Header header;
  header.kind = static_cast<std::uint8_t>(kind);
  header.flags = wants_ack ? kWantsAcknowledgement : 0;
  header.length = payload.size();
  std::array<iovec, 2> parts{
      {{&header, sizeof header}, {const_cast<char*>(payload.data()), payload.size()}}};
  msghdr message{};
  message.msg_iov = parts.data();
  message.msg_iovlen = payload.empty() ? 1 : 2;
  while (message.msg_iovlen > 0) {
    const ssize_t sent =
        detail::retry_eintr([&] { return ::sendmsg(fd_, &message, MSG_NOSIGNAL); });
    if (sent < 0) {
      if (is_disconnect(errno))
        throw ChannelClosed("pprocess: " + peer_name(pid_) + " closed the channel");
      detail::throw_errno("pprocess: sendmsg");
    }
    // Skip what was written; a large payload goes out in several pieces.
    auto done = static_cast<std::size_t>(sent);
    while (message.msg_iovlen > 0 && done >= message.msg_iov->iov_len) {
      done -= message.msg_iov->iov_len;
      ++message.msg_iov;
      --message.msg_iovlen;
    }
    if (message.msg_iovlen > 0) {
      message.msg_iov->iov_base = static_cast<char*>(message.msg_iov->iov_base) + done;
      message.msg_iov->iov_len -= done;
    }
  }
}

namespace {

/// Reads the next frame header with `read(destination, length, at_boundary)`; nullopt at
/// end-of-file.
template <class Read>
std::optional<Header> read_header(Read read, pid_t peer) {
  Header header;
  if (!read(&header, sizeof header, true)) return std::nullopt;
  if (header.magic != kMagic) {
    throw ProtocolError("pprocess: corrupt frame from " + peer_name(peer) + " (bad magic number)");
  }
  if (header.kind < static_cast<std::uint8_t>(detail::FrameKind::data) ||
      header.kind > static_cast<std::uint8_t>(detail::FrameKind::control)) {
    throw ProtocolError("pprocess: corrupt frame from " + peer_name(peer) + " (unknown " +
                        describe_kind(header.kind) + ")");
  }
  if (header.length > detail::kMaxFrameBytes) {
    throw ProtocolError("pprocess: frame of " + std::to_string(header.length) + " bytes from " +
                        peer_name(peer) + " exceeds the limit of " +
                        std::to_string(detail::kMaxFrameBytes) + " bytes");
  }
  return header;
}

}  // namespace

template <class Call>
auto Channel::guard_stream(Call call) {
  if (broken_) throw ProtocolError("pprocess: the channel to " + peer_name(pid_) + " is broken");
  try {
    return call();
  } catch (const ProtocolError&) {
    break_stream();
    throw;
  } catch (const AcknowledgementError&) {
    break_stream();
    throw;
  }
}

void Channel::break_stream() noexcept {
  broken_ = true;
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

void Channel::read_payload(void* destination, std::uint64_t length) {
  guard_stream([&] { return read_exact(destination, length, false); });
  ++frames_received_;
}

bool Channel::read_exact(void* destination, std::size_t length, bool at_boundary) {
  if (fd_ < 0) throw ChannelClosed("pprocess: receive on a closed channel");
  auto* out = static_cast<char*>(destination);
  std::size_t done = std::min(length, inbox_end_ - inbox_begin_);
  if (done > 0) {  // an empty inbox may have no storage at all: memcpy wants real pointers
    std::memcpy(out, inbox_.data() + inbox_begin_, done);
    inbox_begin_ += done;
  }
  while (done < length) {
    // Small reads take whatever has arrived, so a header, its payload and the next frames
    // come in one system call; a large payload goes straight to its destination.
    const std::size_t missing = length - done;
    const bool direct = missing >= kInboxBytes;
    if (!direct && inbox_.empty()) inbox_.resize(kInboxBytes);
    char* target = direct ? out + done : inbox_.data();
    const std::size_t room = direct ? missing : kInboxBytes;
    const ssize_t got = detail::retry_eintr([&] { return ::recv(fd_, target, room, 0); });
    if (got < 0 && !is_disconnect(errno)) detail::throw_errno("pprocess: recv");
    if (got <= 0) {
      if (done == 0 && at_boundary) return false;
      throw ProtocolError("pprocess: truncated frame from " + peer_name(pid_) + ": got " +
                          std::to_string(done) + " of " + std::to_string(length) + " bytes");
    }
    if (direct) {
      done += static_cast<std::size_t>(got);
    } else {
      const std::size_t used = std::min(missing, static_cast<std::size_t>(got));
      std::memcpy(out + done, inbox_.data(), used);
      done += used;
      inbox_begin_ = used;
      inbox_end_ = static_cast<std::size_t>(got);
    }
  }
  return true;
}

std::optional<std::uint64_t> Channel::next_data_frame(bool stop_allowed) {
  return guard_stream([&] { return next_frame(stop_allowed); });
}

std::optional<std::uint64_t> Channel::next_frame(bool stop_allowed) {
  const std::optional<Header> header =
      read_header([this](void* d, std::size_t n, bool b) { return read_exact(d, n, b); }, pid_);
  if (!header) {
    if (stop_allowed) return std::nullopt;
    throw ChannelClosed("pprocess: " + peer_name(pid_) + " closed the channel");
  }
  switch (static_cast<detail::FrameKind>(header->kind)) {
    case detail::FrameKind::data:
      ack_owed_ = (header->flags & kWantsAcknowledgement) != 0;
      return header->length;
    case detail::FrameKind::error:
      throw_remote_error(header->length);
    case detail::FrameKind::control:
      if (stop_allowed) return std::nullopt;
      break;
    case detail::FrameKind::ack:
      break;
  }
  throw ProtocolError("pprocess: expected a value from " + peer_name(pid_) + ", received " +
                      describe_kind(header->kind));
}

void Channel::await_acknowledgement() {
  guard_stream([&] { return acknowledgement(); });
}

bool Channel::acknowledgement() {
  const std::optional<Header> header =
      read_header([this](void* d, std::size_t n, bool b) { return read_exact(d, n, b); }, pid_);
  if (!header) {
    throw ChannelClosed("pprocess: " + peer_name(pid_) +
                        " closed the channel before acknowledging");
  }
  switch (static_cast<detail::FrameKind>(header->kind)) {
    case detail::FrameKind::ack:
      return true;
    case detail::FrameKind::error:
      throw_remote_error(header->length);
    default:
      throw AcknowledgementError("pprocess: expected an acknowledgement from " + peer_name(pid_) +
                                 ", received " + describe_kind(header->kind));
  }
}

void Channel::acknowledge() noexcept {
  if (!ack_owed_) return;
  ack_owed_ = false;
  // The value has arrived whatever happens next: a peer that left no longer needs the receipt.
  try {
    send_frame(detail::FrameKind::ack, {});
  } catch (...) {
  }
}

void Channel::stop() noexcept {
  try {
    send_frame(detail::FrameKind::control, {});
  } catch (...) {
  }
}

void Channel::send_error(const std::string& type_name, const std::string& message) noexcept {
  try {
    std::string payload;
    detail::encode(std::pair<std::string, std::string>(type_name, message), payload);
    send_frame(detail::FrameKind::error, payload);
  } catch (...) {
  }
}

void Channel::throw_remote_error(std::uint64_t length) {
  buffer_.resize(length);
  read_payload(buffer_.data(), length);
  std::pair<std::string, std::string> report;
  try {
    detail::BytesSource source(buffer_);
    std::istream stream(&source);
    cereal::BinaryInputArchive archive(stream);
    archive(report);
  } catch (const std::exception& e) {
    throw ProtocolError("pprocess: undecodable error report from " + peer_name(pid_) + ": " +
                        e.what());
  }
  received_error_ = true;
  throw RemoteError(std::move(report.first), report.second, pid_);
}

void Channel::reject_block(std::uint64_t length, std::size_t element_size) {
  // The payload stays unread, so the stream is out of step from here on.
  break_stream();
  throw ProtocolError("pprocess: a payload of " + std::to_string(length) + " bytes from " +
                      peer_name(pid_) + " is not a whole number of " +
                      std::to_string(element_size) + "-byte elements");
}

void Channel::undecodable(const std::string& why) {
  const std::string message = "could not decode the value from " + peer_name(pid_) + ": " + why;
  send_error("pprocess::ProtocolError", message);
  throw ProtocolError("pprocess: " + message);
}

}  // namespace pprocess
