// Frames written byte by byte, as a peer that speaks the protocol badly (or hostilely) would.
#pragma once

#include <sys/resource.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "channel_access.hpp"
#include "frame.hpp"
#include "pprocess/channel.hpp"
#include "pprocess/detail/fd.hpp"

namespace pprocess::testing {

/// A frame header as the wire carries it (the library's own definition): magic, kind, flags,
/// reserved, payload length.
using RawHeader = detail::FrameHeader;

/// Writes raw bytes on a channel's socket. It runs in a created process, where an assertion
/// would never reach the test: a failure is thrown, and arrives as a RemoteError instead of the
/// error the test expects.
inline void write_raw(Channel& channel, const void* bytes, std::size_t length) {
  if (::send(channel.fileno(), bytes, length, MSG_NOSIGNAL) != static_cast<ssize_t>(length)) {
    throw std::runtime_error("write_raw: send failed");
  }
}

/// A data frame with `payload` as its bytes, whatever they mean.
inline void write_frame(Channel& channel, const std::string& payload, std::uint8_t kind = 1) {
  RawHeader header;
  header.kind = kind;
  header.length = payload.size();
  write_raw(channel, &header, sizeof header);
  write_raw(channel, payload.data(), payload.size());
}

/// A channel whose peer has already sent some bytes and shut its side for sending: the channel
/// reads them, then end-of-file, while what it sends (acknowledgements, error reports) still
/// reaches `peer`. No process is created.
struct ScriptedPeer {
  detail::Fd peer;
  Channel channel;
};

/// A ScriptedPeer that has sent `bytes`, which must fit in the socket's buffer.
inline ScriptedPeer scripted_peer(const std::string& bytes) {
  std::array<int, 2> ends{};
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends.data()) != 0) {
    throw std::runtime_error("scripted_peer: socketpair failed");
  }
  ScriptedPeer scripted{detail::Fd(ends[1]), detail::ChannelAccess::make(detail::Fd(ends[0]))};
  if (::send(ends[1], bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT) !=
          static_cast<ssize_t>(bytes.size()) ||
      ::shutdown(ends[1], SHUT_WR) != 0) {
    throw std::runtime_error("scripted_peer: the bytes were not sent");
  }
  return scripted;
}

/// The most memory this process has held so far, in bytes.
inline long long peak_memory_bytes() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<long long>(usage.ru_maxrss) * 1024;
}

}  // namespace pprocess::testing
