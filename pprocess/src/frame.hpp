// The wire format of a channel, defined once: every frame is a FrameHeader, then `length` bytes
// of payload. Private to pprocess; its tests and fuzz targets reach it as a private include.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "pprocess/channel.hpp"  // kMaxMessageBytes

namespace pprocess::detail {

/// The first bytes of every frame: "pprc" read as a little-endian number.
inline constexpr std::uint32_t kFrameMagic = 0x70707263;

/// What a frame carries. Acknowledgements and stop requests carry no payload.
enum class FrameKind : std::uint8_t { data = 1, error = 2, ack = 3, control = 4 };

/// FrameHeader::flags: the sender waits for an acknowledgement of this frame.
inline constexpr std::uint8_t kWantsAcknowledgement = 1;

/// The largest payload a frame may announce; a larger length is a ProtocolError.
inline constexpr std::uint64_t kMaxFrameBytes = kMaxMessageBytes;

/// Every frame starts with this header, in the host's byte order (both ends share a machine).
struct FrameHeader {
  std::uint32_t magic = kFrameMagic;
  std::uint8_t kind = static_cast<std::uint8_t>(FrameKind::data);
  std::uint8_t flags = 0;  // kWantsAcknowledgement, or nothing
  std::array<std::uint8_t, 2> reserved{};
  std::uint64_t length = 0;  // payload bytes that follow
};
static_assert(sizeof(FrameHeader) == 16);

/// "a data frame", "an acknowledgement", ...: for error messages.
inline std::string describe_kind(std::uint8_t kind) {
  switch (static_cast<FrameKind>(kind)) {
    case FrameKind::data:
      return "a data frame";
    case FrameKind::error:
      return "an error frame";
    case FrameKind::ack:
      return "an acknowledgement";
    case FrameKind::control:
      return "a stop request";
  }
  return "frame kind " + std::to_string(kind);
}

}  // namespace pprocess::detail
