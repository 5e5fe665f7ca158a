// A typed message channel between a creating and a created process, over one socketpair.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <span>
#include <streambuf>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <cereal/archives/binary.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>

#include "pprocess/error.hpp"

namespace pprocess {

namespace detail {

/// What a frame carries; the kind travels in every frame header.
enum class FrameKind : std::uint8_t { data = 1, error = 2, ack = 3, control = 4 };

/// The largest payload a frame may announce; a larger length is a ProtocolError.
inline constexpr std::uint64_t kMaxFrameBytes = std::uint64_t{1} << 30;

/// Vectors of numbers and strings travel as one block of bytes, without an archive.
template <class T>
struct is_block : std::false_type {};
template <class A>
struct is_block<std::vector<A>>
    : std::bool_constant<std::is_arithmetic_v<A> && !std::is_same_v<A, bool>> {};
template <>
struct is_block<std::string> : std::true_type {};

/// True when every type can be written with cereal's binary archive.
template <class... T>
inline constexpr bool serialisable =
    (cereal::traits::is_output_serializable<T, cereal::BinaryOutputArchive>::value && ...);

/// An output stream buffer that appends to a string (cereal writes through std::ostream).
class StringSink : public std::streambuf {
 public:
  explicit StringSink(std::string& out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_.append(s, static_cast<std::size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof()))
      out_.push_back(traits_type::to_char_type(c));
    return traits_type::not_eof(c);
  }

 private:
  std::string& out_;
};

/// Appends `value`, written with cereal's binary archive, to `out`.
template <class T>
void encode(const T& value, std::string& out) {
  static_assert(serialisable<T>,
                "pprocess: this type cannot cross a channel; give it a cereal serialize()");
  StringSink sink(out);
  std::ostream stream(&sink);
  cereal::BinaryOutputArchive archive(stream);
  archive(value);
}

/// An input stream buffer over bytes already received.
class BytesSource : public std::streambuf {
 public:
  explicit BytesSource(std::string& bytes) {
    setg(bytes.data(), bytes.data(), bytes.data() + bytes.size());
  }
  [[nodiscard]] std::size_t remaining() const { return static_cast<std::size_t>(egptr() - gptr()); }
};

}  // namespace detail

/// One end of a channel: a created process and its creator each hold one.
/// Values are sent as length-prefixed frames; `send` returns once the peer has received.
///   pprocess::Channel ch = pprocess::start([](pprocess::Channel& c) { c.send(42); });
///   int answer = ch.receive<int>();
class Channel {
 public:
  /// A closed channel.
  Channel() = default;
  /// Adopts a connected stream socket. `pid` is the peer process when this side created it.
  ///   pprocess::Channel ch(fd, child_pid);
  explicit Channel(int fd, pid_t pid = 0, bool offers_reuse = false);
  /// For pprocess itself: adopts a descriptor already in the registry of channel descriptors.
  struct Registered {};
  Channel(int fd, pid_t pid, bool offers_reuse, Registered) noexcept;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;
  Channel(Channel&& other) noexcept;
  Channel& operator=(Channel&& other) noexcept;
  /// Closes the descriptor; a created process still running a second later is killed and reaped.
  ~Channel();

  /// The created process, seen from its creator; 0 inside the created process.
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  /// The descriptor to watch with poll; -1 once closed.
  [[nodiscard]] int fileno() const noexcept { return fd_; }
  [[nodiscard]] bool is_open() const noexcept { return fd_ >= 0; }
  /// In a created process: whether its Exchange may hand it further tasks (reuse mode).
  [[nodiscard]] bool offers_reuse() const noexcept { return offers_reuse_; }
  /// Whether the peer has reported an exception (an error frame) on this channel.
  [[nodiscard]] bool received_error() const noexcept { return received_error_; }
  /// Whether bytes of the next frame have already been read from the socket into this process,
  /// where poll cannot see them: check this before polling fileno().
  [[nodiscard]] bool has_buffered() const noexcept { return inbox_end_ > inbox_begin_; }
  /// Frames (values and error reports) received whole so far.
  [[nodiscard]] std::size_t frames_received() const noexcept { return frames_received_; }
  /// Whether a framing error (a truncated, oversized or corrupt frame, a missing
  /// acknowledgement) has left the stream out of step: the channel is then shut in both
  /// directions, its peer sees end-of-file, and every further call throws ProtocolError.
  [[nodiscard]] bool broken() const noexcept { return broken_; }
  /// How the created process ended, once `close` or `wait` has reaped it.
  [[nodiscard]] const std::optional<ExitStatus>& exit_status() const noexcept { return status_; }

  /// Sends one value and waits until the peer has received it.
  ///   ch.send(std::vector<float>(1 << 18, 1.0f));
  template <class T>
  void send(const T& value) {
    write_value(value, true);
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

  /// Receives one value of type T and acknowledges it (when it was sent, not posted).
  /// Throws RemoteError if the peer reported an exception, ChannelClosed if it closed.
  ///   auto row = ch.receive<std::vector<std::uint8_t>>();
  template <class T>
  [[nodiscard]] T receive() {
    static_assert(std::is_default_constructible_v<T>,
                  "pprocess: a received type must be default constructible");
    T value{};
    receive_into(value);
    return value;
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

  /// Closes the descriptor, then (in the creator) waits for the created process to end.
  void close();

  /// Waits for the created process to end and returns how it ended (creator side only).
  ExitStatus wait();

  /// How the created process ended, if it has; never waits (creator side only).
  ///   if (auto status = ch.try_wait()) report(*status);
  std::optional<ExitStatus> try_wait();

 private:
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
      send_frame(detail::FrameKind::data, as_bytes(value), wants_ack);
    } else {
      buffer_.clear();
      detail::encode(value, buffer_);
      send_frame(detail::FrameKind::data, buffer_, wants_ack);
    }
  }

  template <class T>
  void decode_into(T& value, std::uint64_t length) {
    if constexpr (detail::is_block<T>::value) {
      using Element = typename T::value_type;
      if (length % sizeof(Element) != 0) reject_block(length, sizeof(Element));
      value.resize(length / sizeof(Element));
      read_payload(value.data(), length);
    } else {
      buffer_.resize(length);
      read_payload(buffer_.data(), length);
      detail::BytesSource source(buffer_);
      std::istream stream(&source);
      try {
        cereal::BinaryInputArchive archive(stream);
        archive(value);
      } catch (const std::exception& e) {
        undecodable(e.what());
      }
      if (source.remaining() != 0) undecodable("the value ended before the frame did");
    }
  }

  void send_frame(detail::FrameKind kind, std::span<const char> payload, bool wants_ack = false);
  void await_acknowledgement();
  bool acknowledgement();
  std::optional<std::uint64_t> next_frame(bool stop_allowed);
  void acknowledge() noexcept;
  std::optional<std::uint64_t> next_data_frame(bool stop_allowed);
  void read_payload(void* destination, std::uint64_t length);
  bool read_exact(void* destination, std::size_t length, bool at_boundary);
  [[noreturn]] void reject_block(std::uint64_t length, std::size_t element_size);
  template <class Call>
  auto guard_stream(Call call);
  void break_stream() noexcept;
  [[noreturn]] void undecodable(const std::string& why);
  [[noreturn]] void throw_remote_error(std::uint64_t length);
  void release() noexcept;
  /// Exchanges every member with `other`: the moves are built on it, so none is forgotten.
  void swap(Channel& other) noexcept;

  int fd_ = -1;
  pid_t pid_ = 0;
  pid_t owner_ = 0;  // the process that made this object; copies inherited by fork are inert
  bool offers_reuse_ = false;
  bool received_error_ = false;
  bool ack_owed_ = false;  // the frame being received was sent, not posted
  bool broken_ = false;
  std::size_t frames_received_ = 0;
  std::optional<ExitStatus> status_;
  std::string buffer_;
  // Bytes received but not yet consumed: [inbox_begin_, inbox_end_).
  static constexpr std::size_t kInboxBytes = 64 * 1024;
  std::vector<char> inbox_;
  std::size_t inbox_begin_ = 0;
  std::size_t inbox_end_ = 0;
};

}  // namespace pprocess
