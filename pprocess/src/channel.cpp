// Channel: framing, acknowledgements, errors and deadlines over one stream socket.
#include "pprocess/channel.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "frame.hpp"
#include "system.hpp"

namespace pprocess {

namespace {

/// A read buffer starts this small and doubles each time a read fills it, up to kLargestRead.
constexpr std::size_t kFirstRead = 1024;
constexpr std::size_t kLargestRead = 64 * 1024;
/// What a sender blocked by a peer that is itself sending keeps of the peer's bytes meanwhile:
/// a whole frame of the largest size, so that two peers sending to each other both get through.
constexpr std::size_t kMostDrained = detail::kMaxFrameBytes + kLargestRead;

using detail::describe_kind;
using detail::FrameHeader;
using detail::FrameKind;
using detail::kWantsAcknowledgement;

bool is_disconnect(int error) { return error == EPIPE || error == ECONNRESET; }

}  // namespace

// --- The inbox -----------------------------------------------------------------------------

void Channel::Inbox::consume(std::size_t count) noexcept {
  begin_ += count;
  if (begin_ != end_) return;
  begin_ = end_ = 0;
  if (capacity_ > kLargestRead) {  // grown to hold what a peer sent while we were sending
    storage_.reset();
    capacity_ = 0;
  }
}

char* Channel::Inbox::room(std::size_t count) {
  if (capacity_ - end_ >= count) return storage_.get() + end_;
  const std::size_t held = size();
  if (capacity_ - held >= count) {
    std::memmove(storage_.get(), storage_.get() + begin_, held);
  } else {
    // Not value-initialised: nothing is zeroed that a read is about to overwrite.
    const std::size_t capacity = std::max({held + count, 2 * capacity_, kFirstRead});
    std::unique_ptr<char[]> bigger(new char[capacity]);
    if (held > 0) std::memcpy(bigger.get(), storage_.get() + begin_, held);
    storage_ = std::move(bigger);
    capacity_ = capacity;
  }
  begin_ = 0;
  end_ = held;
  return storage_.get() + end_;
}

void Channel::Inbox::unread(std::span<const char> bytes) {
  if (bytes.empty()) return;
  if (begin_ < bytes.size()) {
    const std::size_t held = size();
    std::unique_ptr<char[]> joined(new char[bytes.size() + held]);
    if (held > 0) std::memcpy(joined.get() + bytes.size(), storage_.get() + begin_, held);
    storage_ = std::move(joined);
    capacity_ = bytes.size() + held;
    begin_ = bytes.size();
    end_ = capacity_;
  }
  begin_ -= bytes.size();
  std::memcpy(storage_.get() + begin_, bytes.data(), bytes.size());
}

void Channel::Inbox::expand() {
  if (capacity_ < kLargestRead) room(std::min(2 * capacity_, kLargestRead) - size());
}

// --- Life -----------------------------------------------------------------------------------

Channel::Channel() noexcept = default;

Channel::Channel(detail::Fd socket, pid_t peer, bool offers_reuse) noexcept
    : socket_(std::move(socket)), pid_(peer), owner_(::getpid()), offers_reuse_(offers_reuse) {}

Channel::Channel(Channel&& other) noexcept { swap(other); }

Channel& Channel::operator=(Channel&& other) noexcept {
  if (this != &other) {
    Channel previous(std::move(*this));  // closed at the end of this scope
    swap(other);
  }
  return *this;
}

void Channel::swap(Channel& other) noexcept {
  using std::swap;
  swap(socket_, other.socket_);
  swap(pid_, other.pid_);
  swap(owner_, other.owner_);
  swap(offers_reuse_, other.offers_reuse_);
  swap(received_error_, other.received_error_);
  swap(ack_owed_, other.ack_owed_);
  swap(broken_, other.broken_);
  swap(peer_closed_, other.peer_closed_);
  swap(receipts_only_, other.receipts_only_);
  swap(frames_received_, other.frames_received_);
  swap(scratch_, other.scratch_);
  swap(inbox_, other.inbox_);
}

Channel::~Channel() { close(); }

void Channel::close() noexcept {
  if (owner_ != ::getpid()) {
    // A copy inherited through fork: its descriptor was closed with the siblings' channels.
    static_cast<void>(socket_.release());
    return;
  }
  detail::close_registered(socket_);
}

std::string Channel::peer_name() const {
  return pid_ > 0 ? "process " + std::to_string(pid_) : std::string("the creating process");
}

Channel::Deadline::Deadline(Channel& channel, milliseconds timeout) : channel_(channel) {
  const auto now = std::chrono::steady_clock::now();
  channel_.deadline_ = Timing{now, detail::deadline_after(timeout)};
}

// --- Sending --------------------------------------------------------------------------------

void Channel::send_data(std::span<const char> payload, bool wants_ack) {
  send_frame(FrameKind::data, payload, wants_ack);
}

void Channel::send_frame(FrameKind kind, std::span<const char> payload, bool wants_ack) {
  if (!socket_) throw ChannelClosed("pprocess: send on a closed channel");
  if (broken_) throw ProtocolError("pprocess: the channel to " + peer_name() + " is broken");
  if (payload.size() > detail::kMaxFrameBytes) {
    throw ProtocolError("pprocess: a value of " + std::to_string(payload.size()) +
                        " bytes exceeds the frame limit of " +
                        std::to_string(detail::kMaxFrameBytes) + " bytes");
  }
  FrameHeader header;
  header.kind = static_cast<std::uint8_t>(kind);
  header.flags = wants_ack ? kWantsAcknowledgement : 0;
  header.length = payload.size();
  write_all({reinterpret_cast<const char*>(&header), sizeof header}, payload);
}

void Channel::write_all(std::span<const char> header, std::span<const char> payload) {
  std::array<iovec, 2> parts{{{const_cast<char*>(header.data()), header.size()},
                              {const_cast<char*>(payload.data()), payload.size()}}};
  msghdr message{};
  message.msg_iov = parts.data();
  message.msg_iovlen = payload.empty() ? 1 : 2;
  while (message.msg_iovlen > 0) {
    const ssize_t sent = detail::retry_eintr(
        [&] { return ::sendmsg(socket_.get(), &message, MSG_NOSIGNAL | MSG_DONTWAIT); });
    if (sent < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        // The socket is full. The peer may be sending to us at the same time, and be blocked
        // the same way: keep what it sends, so that both sends complete.
        const bool drain = !peer_closed_ && inbox_.size() < kMostDrained;
        std::vector<pollfd> fds{
            {socket_.get(), static_cast<short>(POLLOUT | (drain ? POLLIN : 0)), 0}};
        std::optional<detail::Clock::time_point> until;
        if (deadline_) until = deadline_->deadline;
        if (detail::poll_until(fds, until) == 0) {
          break_stream();  // a value cut off part way
          throw TimedOut(pid_, std::chrono::duration_cast<milliseconds>(detail::Clock::now() -
                                                                        deadline_->started));
        }
        if (drain && (fds[0].revents & POLLIN) != 0) drain_incoming();
        continue;
      }
      if (is_disconnect(errno))
        throw ChannelClosed("pprocess: " + peer_name() + " closed the channel");
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

void Channel::drain_incoming() {
  while (!peer_closed_ && inbox_.size() < kMostDrained) {
    char* target = inbox_.room(kLargestRead);
    const ssize_t got = detail::retry_eintr(
        [&] { return ::recv(socket_.get(), target, inbox_.capacity_left(), MSG_DONTWAIT); });
    if (got > 0) {
      inbox_.grew(static_cast<std::size_t>(got));
      continue;
    }
    if (got == 0 || is_disconnect(errno)) peer_closed_ = true;
    return;  // EAGAIN: nothing more for now
  }
}

// --- Receiving ------------------------------------------------------------------------------

namespace {

/// Reads the next frame header with `read(destination, length, at_boundary)`; nullopt at
/// end-of-file.
template <class Read>
std::optional<FrameHeader> read_header(Read read, const std::string& peer) {
  FrameHeader header;
  if (!read(&header, sizeof header, true)) return std::nullopt;
  if (header.magic != detail::kFrameMagic) {
    throw ProtocolError("pprocess: corrupt frame from " + peer + " (bad magic number)");
  }
  if (header.kind < static_cast<std::uint8_t>(FrameKind::data) ||
      header.kind > static_cast<std::uint8_t>(FrameKind::control)) {
    throw ProtocolError("pprocess: corrupt frame from " + peer + " (unknown " +
                        describe_kind(header.kind) + ")");
  }
  if (header.length > detail::kMaxFrameBytes) {
    throw ProtocolError("pprocess: frame of " + std::to_string(header.length) + " bytes from " +
                        peer + " exceeds the limit of " + std::to_string(detail::kMaxFrameBytes) +
                        " bytes");
  }
  // These kinds carry nothing: a payload would be left in the stream and read as the next header.
  if (header.length != 0 && (header.kind == static_cast<std::uint8_t>(FrameKind::ack) ||
                             header.kind == static_cast<std::uint8_t>(FrameKind::control))) {
    throw ProtocolError("pprocess: corrupt frame from " + peer + " (" + describe_kind(header.kind) +
                        " with a payload of " + std::to_string(header.length) + " bytes)");
  }
  return header;
}

}  // namespace

template <class Call>
auto Channel::guard_stream(Call call) {
  if (broken_) throw ProtocolError("pprocess: the channel to " + peer_name() + " is broken");
  try {
    return call();
  } catch (const ProtocolError&) {
    break_stream();
    throw;
  } catch (const std::bad_alloc&) {
    // The frame being read is left part way.
    break_stream();
    throw ProtocolError("pprocess: not enough memory to receive from " + peer_name());
  }
}

void Channel::break_stream() noexcept {
  broken_ = true;
  if (socket_) ::shutdown(socket_.get(), SHUT_RDWR);
}

void Channel::read_payload(void* destination, std::uint64_t length) {
  read_payload_part(destination, length);
  payload_done();
}

void Channel::read_payload_part(void* destination, std::uint64_t length) {
  guard_stream([&] { return read_exact(destination, length, false); });
}

void Channel::read_growing(std::string& payload, std::uint64_t length, std::size_t at) {
  try {
    payload.resize(at + std::min<std::uint64_t>(length, inbox_.size() + kDirectBytes));
    std::size_t have = 0;
    for (;;) {
      read_payload_part(payload.data() + at + have, payload.size() - at - have);
      have = payload.size() - at;
      if (have == length) return;
      payload.resize(at + std::min<std::uint64_t>(length, 2 * have));
    }
  } catch (const std::bad_alloc&) {
    no_memory_for(length);
  }
}

void Channel::wait_readable(bool mid_frame) {
  if (!deadline_) return;
  std::vector<pollfd> fds{{socket_.get(), POLLIN, 0}};
  if (detail::poll_until(fds, deadline_->deadline) > 0) return;
  // Part of a frame read and the rest missing: the stream is out of step from here on.
  if (mid_frame) break_stream();
  throw TimedOut(
      pid_, std::chrono::duration_cast<milliseconds>(detail::Clock::now() - deadline_->started));
}

bool Channel::read_exact(void* destination, std::size_t length, bool at_boundary) {
  if (!socket_) throw ChannelClosed("pprocess: receive on a closed channel");
  auto* out = static_cast<char*>(destination);
  std::size_t done = std::min(length, inbox_.size());
  if (done > 0) {  // an empty inbox may have no storage at all: memcpy wants real pointers
    std::memcpy(out, inbox_.data(), done);
    inbox_.consume(done);
  }
  while (done < length) {
    wait_readable(!at_boundary || done > 0);
    // Small reads take whatever has arrived, so a header, its payload and the next frames
    // come in one system call; a large payload goes straight to its destination.
    // The read buffer grows only for reads at frame boundaries that fill it (many small frames
    // arriving together); a payload larger than it goes straight to its destination.
    const std::size_t missing = length - done;
    const bool direct = missing >= std::max(inbox_.capacity(), kFirstRead);
    char* target = direct ? out + done : inbox_.room(1);
    const std::size_t room = direct ? missing : inbox_.capacity_left();
    const ssize_t got = detail::retry_eintr([&] { return ::recv(socket_.get(), target, room, 0); });
    if (got < 0 && !is_disconnect(errno)) detail::throw_errno("pprocess: recv");
    if (got <= 0) {
      if (done == 0 && at_boundary) return false;
      throw ProtocolError("pprocess: truncated frame from " + peer_name() + ": got " +
                          std::to_string(done) + " of " + std::to_string(length) + " bytes");
    }
    const auto received = static_cast<std::size_t>(got);
    if (direct) {
      done += received;
      continue;
    }
    inbox_.grew(received);
    if (received == room && at_boundary) inbox_.expand();
    const std::size_t used = std::min(missing, received);
    std::memcpy(out + done, inbox_.data(), used);
    inbox_.consume(used);
    done += used;
  }
  return true;
}

std::optional<std::uint64_t> Channel::next_data_frame(bool stop_allowed) {
  return guard_stream([&] { return next_frame(stop_allowed); });
}

std::optional<std::uint64_t> Channel::next_frame(bool stop_allowed) {
  const std::optional<FrameHeader> header = read_header(
      [this](void* d, std::size_t n, bool b) { return read_exact(d, n, b); }, peer_name());
  if (!header) {
    if (stop_allowed) return std::nullopt;
    throw ChannelClosed("pprocess: " + peer_name() + " closed the channel");
  }
  switch (static_cast<FrameKind>(header->kind)) {
    case FrameKind::data:
      ack_owed_ = (header->flags & kWantsAcknowledgement) != 0;
      return header->length;
    case FrameKind::error:
      ack_owed_ = (header->flags & kWantsAcknowledgement) != 0;
      throw_remote_error(header->length);
    case FrameKind::control:
      if (stop_allowed) return std::nullopt;
      break;
    case FrameKind::ack:
      break;
  }
  throw ProtocolError("pprocess: expected a value from " + peer_name() + ", received " +
                      describe_kind(header->kind));
}

void Channel::await_acknowledgement() {
  guard_stream([&] {
    // A peer that sends to us while we wait for its receipt (both sending at once) gets its
    // receipt now; its frames are kept, in order, for the receives that follow, whatever ends
    // the wait: the receipt, an error report (whose payload is read first, as it follows its
    // header), or the peer closing after its last value.
    std::string early;
    try {
      keep_frames_until_acknowledged(early);
    } catch (const ProtocolError&) {
      throw;  // the stream is broken: nothing kept will be received
    } catch (...) {
      inbox_.unread(early);
      throw;
    }
    inbox_.unread(early);
    return true;
  });
}

void Channel::keep_frames_until_acknowledged(std::string& early) {
  for (;;) {
    const std::optional<FrameHeader> header = read_header(
        [this](void* d, std::size_t n, bool b) { return read_exact(d, n, b); }, peer_name());
    if (!header) {
      throw ChannelClosed("pprocess: " + peer_name() + " closed the channel before acknowledging");
    }
    switch (static_cast<FrameKind>(header->kind)) {
      case FrameKind::ack:
        return;
      case FrameKind::error:
        ack_owed_ = (header->flags & kWantsAcknowledgement) != 0;
        throw_remote_error(header->length);
      case FrameKind::data:
      case FrameKind::control: {
        if (receipts_only_) {
          throw ProtocolError("pprocess: " + peer_name() + " sent " + describe_kind(header->kind) +
                              " where only a receipt was expected");
        }
        // What is kept is bounded as what a blocked send drains is: a peer may be sending one
        // value of the largest size at the same time, not flooding.
        if (early.size() + inbox_.size() + sizeof(FrameHeader) + header->length > kMostDrained) {
          throw ProtocolError("pprocess: " + peer_name() + " sent more than " +
                              std::to_string(kMostDrained) +
                              " bytes while a value waited for its receipt");
        }
        FrameHeader kept = *header;
        kept.flags = 0;  // acknowledged here, not again when it is received
        early.append(reinterpret_cast<const char*>(&kept), sizeof kept);
        read_growing(early, header->length, early.size());
        // Kept before the receipt goes out: a peer that left meanwhile does not lose its value.
        if ((header->flags & kWantsAcknowledgement) != 0) send_frame(FrameKind::ack, {});
        break;
      }
    }
  }
}

void Channel::acknowledge() noexcept {
  if (!ack_owed_) return;
  ack_owed_ = false;
  // The value has arrived whatever happens next: a peer that left no longer needs the receipt.
  try {
    send_frame(FrameKind::ack, {});
  } catch (...) {
  }
}

void Channel::stop() noexcept {
  try {
    send_frame(FrameKind::control, {});
  } catch (...) {
  }
}

void Channel::send_error(const std::string& type_name, const std::string& message) noexcept {
  try {
    std::string payload;
    detail::encode(std::pair<std::string, std::string>(type_name, message), payload);
    send_frame(FrameKind::error, payload);
  } catch (...) {
  }
}

void Channel::throw_remote_error(std::uint64_t length) {
  std::string& payload = scratch();
  read_growing(payload, length);
  payload_done();
  std::pair<std::string, std::string> report;
  try {
    detail::FrameInputArchive archive(payload);
    archive(report);
    if (archive.remaining() != 0) throw std::runtime_error("the report ended before the frame did");
  } catch (const std::exception& e) {
    throw ProtocolError("pprocess: undecodable error report from " + peer_name() + ": " + e.what());
  }
  // A report that asks for a receipt (a persistent process's server resends it otherwise) has
  // arrived whole.
  acknowledge();
  received_error_ = true;
  throw RemoteError(std::move(report.first), report.second, pid_);
}

void Channel::reject_block(std::uint64_t length, std::size_t element_size) {
  // The payload stays unread, so the stream is out of step from here on.
  break_stream();
  throw ProtocolError("pprocess: a payload of " + std::to_string(length) + " bytes from " +
                      peer_name() + " is not a whole number of " + std::to_string(element_size) +
                      "-byte elements");
}

void Channel::reject_size(std::uint64_t length, std::size_t expected) {
  break_stream();
  throw ProtocolError("pprocess: a payload of " + std::to_string(length) + " bytes from " +
                      peer_name() + " where " + std::to_string(expected) + " were expected");
}

void Channel::no_memory_for(std::uint64_t length) {
  // The rest of the payload stays unread, so the stream is out of step from here on.
  break_stream();
  throw ProtocolError("pprocess: not enough memory for a frame of " + std::to_string(length) +
                      " bytes from " + peer_name());
}

void Channel::undecodable(const std::string& why) {
  const std::string message = "could not decode the value from " + peer_name() + ": " + why;
  send_error("pprocess::ProtocolError", message);
  throw ProtocolError("pprocess: " + message);
}

}  // namespace pprocess
