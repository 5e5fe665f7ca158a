// Channel: a framed, typed message stream over one stream socket.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "pprocess/detail/archive.hpp"
#include "pprocess/detail/fd.hpp"
#include "pprocess/error.hpp"

namespace pprocess {

/// The largest value a channel carries, in bytes of its encoding (a vector of numbers: its
/// elements' bytes). Sending a larger one is a ProtocolError, and so is a peer announcing one.
///   static_assert(rows * row_bytes <= pprocess::kMaxMessageBytes);
inline constexpr std::uint64_t kMaxMessageBytes = std::uint64_t{1} << 30;

namespace detail {
/// What a frame carries (defined with the wire format, in the library's sources).
enum class FrameKind : std::uint8_t;
struct ChannelAccess;
}  // namespace detail

/// One end of a channel: a created process and its creator each hold one. Values travel as
/// length-prefixed frames; `send` returns once the peer has received the value. A channel owns
/// its socket and nothing else: moving or destroying one never waits. The created process is
/// owned by a Process, which create and start return beside the channel (see Child).
///   pprocess::Child child = pprocess::start([](pprocess::Channel& c) { c.send(42); });
///   int answer = child.receive<int>();
class Channel {
 public:
  using milliseconds = std::chrono::milliseconds;

  /// A closed channel.
  Channel() noexcept;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;
  Channel(Channel&& other) noexcept;
  Channel& operator=(Channel&& other) noexcept;
  /// Closes the socket.
  ~Channel();

  /// The created process, seen from its creator; for a persistent connection, the background
  /// process at its other end (see persistent.hpp); 0 inside a created process.
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  /// The descriptor to watch with poll; -1 once closed.
  [[nodiscard]] int fileno() const noexcept { return socket_.get(); }
  [[nodiscard]] bool is_open() const noexcept { return static_cast<bool>(socket_); }
  /// In a created process: whether its Exchange may hand it further tasks (reuse mode).
  [[nodiscard]] bool offers_reuse() const noexcept { return offers_reuse_; }
  /// Whether the peer has reported an exception (an error frame) on this channel.
  [[nodiscard]] bool received_error() const noexcept { return received_error_; }

  /// Sends one value and waits until the peer has received it. While the peer is not reading,
  /// whatever it sends meanwhile is read and kept, so two peers sending to each other at once
  /// both get through.
  ///   ch.send(std::vector<float>(1 << 18, 1.0f));
  template <class T>
  void send(const T& value) {
    write_value(value, true);
    await_acknowledgement();
  }

  /// Sends a block of numbers from caller memory, as a vector of them would be sent: the peer
  /// receives it as a std::vector<T> or into a span of the same size.
  ///   ch.send(std::span(image.data() + offset, band_bytes));
  template <class T, std::size_t Extent>
  requires detail::RawNumber<T>
  void send(std::span<T, Extent> block) {
    send_data(as_bytes(block), true);
    await_acknowledgement();
  }

  /// Sends one value without waiting for the peer to receive it: for pipelines, where the peer
  /// reads in its own time (a reusable worker's results, the tasks handed to it in advance).
  /// Returns once the bytes are in the socket; a large value still waits for room.
  ///   ch.post(result);
  template <class T>
  void post(const T& value) {
    write_value(value, false);
  }

  /// Posts a block of numbers from caller memory (see `send` of a span).
  ///   ch.post(std::span(rows.data(), rows.size()));
  template <class T, std::size_t Extent>
  requires detail::RawNumber<T>
  void post(std::span<T, Extent> block) { send_data(as_bytes(block), false); }

  /// Receives one value of type T and acknowledges it (when it was sent, not posted).
  /// Throws RemoteError if the peer reported an exception, ChannelClosed if it closed, and
  /// ProtocolError for bytes that are not a T.
  ///   auto row = ch.receive<std::vector<std::uint8_t>>();
  template <class T>
  [[nodiscard]] T receive() {
    static_assert(std::is_default_constructible_v<T>,
                  "pprocess: a received type must be default constructible");
    T value{};
    receive_into(value);
    return value;
  }

  /// Like `receive`, but a peer that has not delivered a whole value within `timeout` is
  /// TimedOut (a value cut off in the middle leaves the channel broken, see below).
  ///   auto row = ch.receive<std::vector<std::uint8_t>>(std::chrono::seconds(5));
  template <class T>
  [[nodiscard]] T receive(milliseconds timeout) {
    const Deadline deadline(*this, timeout);
    return receive<T>();
  }

  /// Like `receive`, into an existing value whose storage is reused: a loop that receives large
  /// vectors allocates (and the kernel maps fresh pages) only once.
  ///   std::vector<float> row;
  ///   for (int i = 0; i < rows; ++i) { ch.receive_into(row); use(row); }
  template <class T>
  void receive_into(T& value) {
    const std::uint64_t length = next_data_frame(false).value();
    decode_into(value, length);
    acknowledge();
  }

  /// Receives a block of numbers straight into caller memory, which must be exactly its size
  /// (else ProtocolError): pixels into their rows of an image, with no copy in between.
  ///   ch.receive_into(std::span(image.data() + offset, band_bytes));
  template <class T, std::size_t Extent>
  requires detail::RawNumber<T>
  void receive_into(std::span<T, Extent> destination) {
    const std::uint64_t length = next_data_frame(false).value();
    if (length != destination.size_bytes()) reject_size(length, destination.size_bytes());
    read_payload(destination.data(), length);
    acknowledge();
  }

  /// Like `receive`, but a stop request or the peer closing gives nullopt: a reusable worker's
  /// wait for its next task.
  ///   while (auto args = ch.receive_or_stop<std::tuple<int, int>>()) { ... }
  template <class T>
  [[nodiscard]] std::optional<T> receive_or_stop() {
    const std::optional<std::uint64_t> length = next_data_frame(true);
    if (!length) return std::nullopt;
    std::optional<T> value(std::in_place);
    decode_into(*value, *length);
    acknowledge();
    return value;
  }

  /// Asks the peer's `receive_or_stop` to return nullopt. Never waits; a departed peer is fine.
  void stop() noexcept;

  /// Reports an exception to the peer (an error frame), without waiting.
  void send_error(const std::string& type_name, const std::string& message) noexcept;

  /// Closes the socket: the peer reads end-of-file. Never waits.
  void close() noexcept;

 private:
  friend struct detail::ChannelAccess;

  /// Bytes received but not yet consumed, in a buffer that grows with what arrives.
  class Inbox {
   public:
    [[nodiscard]] std::size_t size() const noexcept { return end_ - begin_; }
    [[nodiscard]] const char* data() const noexcept { return storage_.get() + begin_; }
    void consume(std::size_t count) noexcept;
    /// Room for at least `count` more bytes at the end; returns where they go.
    char* room(std::size_t count);
    [[nodiscard]] std::size_t capacity_left() const noexcept { return capacity_ - end_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    void grew(std::size_t count) noexcept { end_ += count; }
    /// Puts bytes back in front of what is buffered: they are read again first.
    void unread(std::span<const char> bytes);
    /// The capacity a buffer that filled up will have next time.
    void expand();

   private:
    std::unique_ptr<char[]> storage_;
    std::size_t capacity_ = 0;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
  };

  /// Receives are TimedOut after this point, while it is set.
  class Deadline {
   public:
    Deadline(Channel& channel, milliseconds timeout);
    Deadline(const Deadline&) = delete;
    Deadline& operator=(const Deadline&) = delete;
    ~Deadline() { channel_.deadline_.reset(); }

   private:
    Channel& channel_;
  };

  struct Timing {
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point deadline;
  };

  /// A connected socket to process `peer` (0: the creator, or unknown).
  Channel(detail::Fd socket, pid_t peer, bool offers_reuse) noexcept;

  template <class T>
  static std::span<const char> as_bytes(const T& block) {
    return {reinterpret_cast<const char*>(block.data()),
            block.size() * sizeof(typename T::value_type)};
  }

  template <class T>
  void write_value(const T& value, bool wants_ack) {
    static_assert(!std::is_pointer_v<T>, "pprocess: send the value, not a pointer to it");
    if constexpr (std::is_array_v<T> &&
                  std::is_same_v<std::remove_cv_t<std::remove_extent_t<T>>, char>) {
      write_value(std::string(value), wants_ack);  // a literal: its text, without the NUL
    } else if constexpr (detail::is_block<T>::value) {
      send_data(as_bytes(value), wants_ack);
    } else {
      std::string& payload = scratch();
      detail::encode(value, payload);
      send_data(payload, wants_ack);
    }
  }

  template <class T>
  void decode_into(T& value, std::uint64_t length) {
    if constexpr (detail::is_block<T>::value) {
      using Element = typename T::value_type;
      if (length % sizeof(Element) != 0) reject_block(length, sizeof(Element));
      read_block(value, length);
    } else {
      std::string& payload = scratch();
      read_growing(payload, length);
      payload_done();
      try {
        detail::FrameInputArchive archive(payload);
        archive(value);
        if (archive.remaining() != 0) undecodable("the value ended before the frame did");
      } catch (const ProtocolError&) {
        throw;
      } catch (const std::exception& e) {
        undecodable(e.what());
      }
    }
  }

  /// Reads a payload into a vector or string that grows as the bytes arrive (storage it already
  /// has is used at once), so a length claimed but never sent allocates nothing.
  template <class Block>
  void read_block(Block& block, std::uint64_t length) {
    using Element = typename Block::value_type;
    const std::size_t count = length / sizeof(Element);
    std::size_t have = 0;
    try {
      block.resize(std::min(count, std::max(block.capacity(), initial_elements<Element>(count))));
      for (;;) {
        read_payload_part(block.data() + have, (block.size() - have) * sizeof(Element));
        have = block.size();
        if (have == count) break;
        block.resize(std::min(count, 2 * have));
      }
    } catch (const std::bad_alloc&) {
      no_memory_for(length);
    }
    payload_done();
  }

  template <class Element>
  std::size_t initial_elements(std::size_t count) const noexcept {
    return std::min(count, (inbox_.size() + kDirectBytes) / sizeof(Element) + 1);
  }

  std::string& scratch() noexcept {
    scratch_.clear();
    return scratch_;
  }

  static constexpr std::size_t kDirectBytes = 64 * 1024;

  /// Sends a data frame holding `payload`.
  void send_data(std::span<const char> payload, bool wants_ack);
  void send_frame(detail::FrameKind kind, std::span<const char> payload, bool wants_ack = false);
  void write_all(std::span<const char> header, std::span<const char> payload);
  void drain_incoming();
  void await_acknowledgement();
  /// Reads frames up to the peer's acknowledgement, appending those that come before it to
  /// `early`, whole.
  void keep_frames_until_acknowledged(std::string& early);
  std::optional<std::uint64_t> next_frame(bool stop_allowed);
  void acknowledge() noexcept;
  std::optional<std::uint64_t> next_data_frame(bool stop_allowed);
  void read_payload(void* destination, std::uint64_t length);
  void read_payload_part(void* destination, std::uint64_t length);
  void payload_done() noexcept { ++frames_received_; }
  /// Reads a payload of `length` bytes into `payload` from offset `at`, growing it as they arrive.
  void read_growing(std::string& payload, std::uint64_t length, std::size_t at = 0);
  bool read_exact(void* destination, std::size_t length, bool at_boundary);
  void wait_readable(bool mid_frame);
  [[noreturn]] void reject_block(std::uint64_t length, std::size_t element_size);
  [[noreturn]] void reject_size(std::uint64_t length, std::size_t expected);
  [[noreturn]] void no_memory_for(std::uint64_t length);
  template <class Call>
  auto guard_stream(Call call);
  void break_stream() noexcept;
  [[noreturn]] void undecodable(const std::string& why);
  [[noreturn]] void throw_remote_error(std::uint64_t length);
  [[nodiscard]] std::string peer_name() const;
  /// Exchanges every member with `other`: the moves are built on it, so none is forgotten.
  void swap(Channel& other) noexcept;

  detail::Fd socket_;
  pid_t pid_ = 0;
  pid_t owner_ = 0;  // the process that made this object; copies inherited by fork are inert
  bool offers_reuse_ = false;
  bool received_error_ = false;
  bool ack_owed_ = false;       // the frame being received was sent, not posted
  bool broken_ = false;         // a framing error left the stream out of step
  bool peer_closed_ = false;    // end-of-file was read while draining during a send
  bool receipts_only_ = false;  // the peer may only acknowledge: anything else breaks the stream
  std::size_t frames_received_ = 0;
  std::optional<Timing> deadline_;  // of the receive under way: it does not move with the channel
  std::string scratch_;             // encoded values and payloads to decode
  Inbox inbox_;
};

}  // namespace pprocess
