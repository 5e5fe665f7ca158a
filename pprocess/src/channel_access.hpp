// ChannelAccess: the state of a Channel that only pprocess itself (and its tests and fuzz targets)
// may touch. Private: not installed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include "frame.hpp"
#include "pprocess/channel.hpp"
#include "pprocess/detail/fd.hpp"

namespace pprocess::detail {

struct ChannelAccess {
  /// A channel over a connected socket to process `peer` (0: the creator, or none known):
  /// the creator's end of a created process's channel, or a persistent connection.
  static Channel make(Fd socket, pid_t peer = 0, bool offers_reuse = false) noexcept {
    return Channel(std::move(socket), peer, offers_reuse);
  }
  /// Reports an exception to the peer and waits for its receipt, which a plain `send_error`
  /// does not ask for: a persistent process's server keeps the report until a client has it.
  static void report_error(Channel& channel, const std::string& type_name,
                           const std::string& message) {
    std::string payload;
    encode(std::pair<std::string, std::string>(type_name, message), payload);
    channel.send_frame(FrameKind::error, payload, true);
    channel.await_acknowledgement();
  }
  /// From now on the peer may only acknowledge what is sent: a value or stop request from it
  /// while a send waits for its receipt is a ProtocolError, never kept (a persistent server's
  /// clients, which only collect).
  static void expect_only_receipts(Channel& channel) noexcept { channel.receipts_only_ = true; }
  /// Whether bytes already read from the socket wait in the channel, where poll cannot see them.
  static bool has_buffered(const Channel& channel) noexcept { return channel.inbox_.size() > 0; }
  /// Values and error reports received whole so far.
  static std::size_t frames_received(const Channel& channel) noexcept {
    return channel.frames_received_;
  }
  /// Whether a framing error left the stream out of step (it is then shut both ways).
  static bool broken(const Channel& channel) noexcept { return channel.broken_; }
  /// Receives on `channel` end in TimedOut after `deadline` (a deadline that does not move with
  /// the channel: it belongs to one receive); unset clears it.
  static void set_deadline(Channel& channel,
                           std::optional<std::chrono::steady_clock::time_point> deadline,
                           std::chrono::steady_clock::time_point started) noexcept {
    channel.deadline_.reset();
    if (deadline) channel.deadline_ = Channel::Timing{started, *deadline};
  }
};

}  // namespace pprocess::detail
