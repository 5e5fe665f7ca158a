// The frames a Channel writes, captured as bytes: what the seed writers (frame_seeds,
// persistent_seeds) put into their corpora, as they are and made hostile.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "channel_access.hpp"
#include "frame.hpp"
#include "pprocess/channel.hpp"
#include "pprocess/detail/fd.hpp"

namespace pprocess::fuzz {

/// Where the fields of a frame header are.
using detail::FrameHeader;
inline constexpr std::size_t kKindOffset = offsetof(FrameHeader, kind);
inline constexpr std::size_t kFlagsOffset = offsetof(FrameHeader, flags);
inline constexpr std::size_t kLengthOffset = offsetof(FrameHeader, length);
inline constexpr std::size_t kHeaderBytes = sizeof(FrameHeader);

/// A channel whose frames are captured as bytes instead of reaching a peer.
class Wire {
 public:
  Wire() {
    std::array<int, 2> ends{};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends.data()) != 0) std::exit(1);
    channel_ = detail::ChannelAccess::make(detail::Fd(ends[0]));
    peer_ = detail::Fd(ends[1]);
  }

  /// The frame that posts `value`.
  template <class T>
  std::string value(const T& value) {
    channel_.post(value);
    return take();
  }
  /// The frame that sends `value`: the same, asking for an acknowledgement.
  template <class T>
  std::string sent(const T& value) {
    std::string frame = this->value(value);
    frame[kFlagsOffset] = static_cast<char>(detail::kWantsAcknowledgement);
    return frame;
  }
  std::string error(const std::string& type_name, const std::string& message) {
    channel_.send_error(type_name, message);
    return take();
  }
  std::string stop() {
    channel_.stop();
    return take();
  }
  /// An acknowledgement: a stop request's header with another kind.
  std::string acknowledgement() {
    std::string frame = stop();
    frame[kKindOffset] = static_cast<char>(detail::FrameKind::ack);
    return frame;
  }

 private:
  std::string take() {
    std::string bytes;
    std::array<char, 4096> buffer;
    for (;;) {
      const ssize_t got = ::recv(peer_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (got <= 0) return bytes;
      bytes.append(buffer.data(), static_cast<std::size_t>(got));
    }
  }

  Channel channel_;
  detail::Fd peer_;
};

/// `frame` with its header's length replaced by `length`.
inline std::string claiming(std::string frame, std::uint64_t length) {
  std::memcpy(frame.data() + kLengthOffset, &length, sizeof length);
  return frame;
}

}  // namespace pprocess::fuzz
