// Frames written byte by byte, as a peer that speaks the protocol badly (or hostilely) would.
#pragma once

#include <sys/resource.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "pprocess/channel.hpp"

namespace pprocess::testing {

/// A frame header as the wire carries it: magic, kind, flags, reserved, payload length.
struct RawHeader {
  std::uint32_t magic = 0x70707263;
  std::uint8_t kind = 1;
  std::array<std::uint8_t, 3> reserved{};
  std::uint64_t length = 0;
};
static_assert(sizeof(RawHeader) == 16);

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

/// The most memory this process has held so far, in bytes.
inline long long peak_memory_bytes() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<long long>(usage.ru_maxrss) * 1024;
}

}  // namespace pprocess::testing
