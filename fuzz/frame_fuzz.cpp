// libFuzzer target for the channel's read path. An input's first byte picks what the channel does
// (frame_fuzz.hpp); the rest arrives on its socket as a broken or hostile peer would send it,
// followed by end-of-file. Whatever the bytes, each receive returns a value or throws a
// pprocess::Error; a received bool is 0 or 1; strings arrive as their frames carried them, in
// order, none lost; and the heap grows by no more than a multiple of the input, whatever sizes the
// bytes claim. Any other exception, a crash, a hang (-timeout), a sanitizer report or a broken
// promise (reported on stderr, then abort) is a finding.
#include "frame_fuzz.hpp"

#include <sanitizer/allocator_interface.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "channel_access.hpp"
#include "frame.hpp"
#include "pprocess/channel.hpp"
#include "pprocess/detail/archive.hpp"
#include "pprocess/detail/fd.hpp"
#include "pprocess/error.hpp"

namespace pprocess::fuzz {
namespace {

using detail::ChannelAccess;

/// The most values one input is received as: each costs a frame header, so this bounds only
/// inputs of many tiny frames.
constexpr int kMostValues = 32;

/// The heap one input may take: buffers of fixed size (the read buffer, the first piece of a
/// payload), plus a multiple of the input for decoded values, which are larger than their
/// encoding (a std::string of 32 bytes from 8) and double as they grow.
constexpr long long kFixedHeapBytes = 512 * 1024;
constexpr long long kHeapBytesPerInputByte = 32;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "frame_fuzz: %s\n", what.c_str());
  std::abort();
}

void expect(bool condition, const char* what) {
  if (!condition) fail(what);
}

// --- The heap an input takes --------------------------------------------------------------------

/// The heap taken while one input runs, counted by the allocator's hooks. The hooks take no
/// context, so the count lives at namespace scope; it is atomic because a Listener's thread
/// allocates too.
struct HeapCount {
  std::atomic<bool> counting{false};
  std::atomic<long long> held{0};
  std::atomic<long long> peak{0};
};
HeapCount heap;

void count_malloc(const volatile void*, std::size_t size) {
  if (!heap.counting.load(std::memory_order_relaxed)) return;
  const auto bytes = static_cast<long long>(size);
  const long long held = heap.held.fetch_add(bytes) + bytes;
  long long peak = heap.peak.load();
  while (held > peak && !heap.peak.compare_exchange_weak(peak, held)) {
  }
}

void count_free(const volatile void* pointer) {
  if (pointer == nullptr || !heap.counting.load(std::memory_order_relaxed)) return;
  heap.held.fetch_sub(static_cast<long long>(__sanitizer_get_allocated_size(pointer)));
}

/// Runs `work`, then fails if the heap grew past the bound for an input of `input_bytes`.
template <class Work>
void within_heap_bound(std::size_t input_bytes, Work work) {
  heap.held = 0;
  heap.peak = 0;
  heap.counting = true;
  work();
  heap.counting = false;
  const long long limit =
      kFixedHeapBytes + kHeapBytesPerInputByte * static_cast<long long>(input_bytes);
  if (heap.peak > limit) {
    fail("an input of " + std::to_string(input_bytes) + " bytes took " +
         std::to_string(heap.peak.load()) + " bytes of heap (bound " + std::to_string(limit) + ")");
  }
}

// --- The peer -------------------------------------------------------------------------------

/// Sends all of `bytes` on `socket` without waiting; false if the socket cannot hold them.
bool send_all(const detail::Fd& socket, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent =
        ::send(socket.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

/// A peer that has sent everything but stays to read the answers: its end is shut for sending
/// (end-of-file for the channel), and a thread reads and drops whatever the channel sends until
/// the channel closes, so that answers never fill the socket.
class Listener {
 public:
  explicit Listener(detail::Fd socket) : socket_(std::move(socket)), thread_([this] { run(); }) {}
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener() { thread_.join(); }

 private:
  void run() noexcept {
    ::shutdown(socket_.get(), SHUT_WR);
    std::array<char, 4096> answers;
    for (;;) {
      const ssize_t got = ::recv(socket_.get(), answers.data(), answers.size(), 0);
      if (got <= 0 && !(got < 0 && errno == EINTR)) return;
    }
  }

  detail::Fd socket_;
  std::thread thread_;
};

// --- What a received value must be ----------------------------------------------------------

/// A bool's byte, read without loading it as a bool (undefined for any byte but 0 and 1).
void expect_valid(const bool& value) {
  std::uint8_t byte = 0;
  std::memcpy(&byte, &value, sizeof byte);
  if (byte > 1) fail("received a bool of value " + std::to_string(byte));
}

/// Written, read back and written again, a received value gives the same bytes: it holds nothing
/// its encoding cannot carry, and the decoder takes every encoding the encoder writes.
template <class T>
void expect_round_trip(const T& value) {
  std::string first;
  detail::encode(value, first);
  T copy{};
  detail::FrameInputArchive archive(first);
  archive(copy);
  expect(archive.remaining() == 0, "a value read back left bytes of its encoding unread");
  std::string second;
  detail::encode(copy, second);
  expect(first == second, "a received value changed when written and read back");
}

template <class T>
void use(const T& value) {
  expect_round_trip(value);
}

void use(const std::array<bool, 3>& value) {
  for (const bool& b : value) expect_valid(b);
  expect_round_trip(value);
}

void use(const Record& record) {
  expect_valid(record.active);
  for (const bool& b : record.flags) expect_valid(b);
  expect_round_trip(record);
}

/// Its order is its hash's, so written again its bytes may differ: it is compared by content.
void use(const std::unordered_map<std::string, std::vector<int>>& map) {
  std::string bytes;
  detail::encode(map, bytes);
  std::unordered_map<std::string, std::vector<int>> copy;
  detail::FrameInputArchive archive(bytes);
  archive(copy);
  expect(copy == map, "a received map changed when written and read back");
}

/// Receives with `receive(channel)` until the stream ends or breaks: what a receive may throw on
/// bad bytes is caught, anything else escapes and is a finding.
template <class Receive>
void receive_values(Channel& channel, Receive receive) {
  for (int i = 0; i < kMostValues; ++i) {
    try {
      receive(channel);
    } catch (const ChannelClosed&) {
      expect(!ChannelAccess::broken(channel), "end-of-file between frames broke the channel");
      return;
    } catch (const RemoteError&) {
      expect(channel.received_error(), "a RemoteError that received_error() does not show");
    } catch (const ProtocolError&) {
      if (!ChannelAccess::broken(channel)) continue;  // a value that did not decode, read whole
      try {
        static_cast<void>(channel.receive<int>());
        fail("a broken channel received a value");
      } catch (const ProtocolError&) {
      }
      return;
    }
  }
}

template <class T>
void receive_each(Channel& channel) {
  receive_values(channel, [](Channel& c) { use(c.receive<T>()); });
}

// --- A model of the wire, for strings -----------------------------------------------------

/// One frame as docs/reference.md ("Frames") defines it.
struct Frame {
  std::uint8_t kind = 0;
  std::string_view payload;
};

/// The frames some bytes carry, in order, and whether they end at a frame boundary rather than in
/// a malformed or cut-off frame.
struct Frames {
  std::deque<Frame> frames;
  bool clean_end = true;
};

Frames parse_frames(std::string_view bytes) {
  using detail::FrameHeader;
  using detail::FrameKind;
  Frames parsed;
  while (!bytes.empty()) {
    if (bytes.size() < sizeof(FrameHeader)) {
      parsed.clean_end = false;
      break;
    }
    FrameHeader header;
    std::memcpy(&header, bytes.data(), sizeof header);
    const std::uint8_t kind = header.kind;
    const bool empty_kind = kind == static_cast<std::uint8_t>(FrameKind::ack) ||
                            kind == static_cast<std::uint8_t>(FrameKind::control);
    if (header.magic != detail::kFrameMagic || kind < static_cast<std::uint8_t>(FrameKind::data) ||
        kind > static_cast<std::uint8_t>(FrameKind::control) ||
        header.length > detail::kMaxFrameBytes || (empty_kind && header.length != 0) ||
        header.length > bytes.size() - sizeof header) {
      parsed.clean_end = false;
      break;
    }
    parsed.frames.push_back({kind, bytes.substr(sizeof header, header.length)});
    bytes.remove_prefix(sizeof header + header.length);
  }
  return parsed;
}

/// The type name and message an error frame carries: two strings, each a 64-bit length and its
/// bytes, with nothing after them; nullopt for any other payload.
std::optional<std::pair<std::string_view, std::string_view>> parse_report(
    std::string_view payload) {
  std::array<std::string_view, 2> parts;
  for (std::string_view& part : parts) {
    std::uint64_t length = 0;
    if (payload.size() < sizeof length) return std::nullopt;
    std::memcpy(&length, payload.data(), sizeof length);
    payload.remove_prefix(sizeof length);
    if (length > payload.size()) return std::nullopt;
    part = payload.substr(0, length);
    payload.remove_prefix(length);
  }
  if (!payload.empty()) return std::nullopt;
  return std::pair(parts[0], parts[1]);
}

/// Whether `error` is the report that `frame` carries.
bool reports(const RemoteError& error, const Frame& frame) {
  const auto report = parse_report(frame.payload);
  return frame.kind == 2 && report && error.type_name() == report->first &&
         error.message() == report->second;
}

/// Whether `frame` is an error frame whose report does not decode.
bool undecodable_report(const Frame& frame) {
  return frame.kind == 2 && !parse_report(frame.payload);
}

/// Receives strings, each checked against the next frame of `expected`: a data frame gives its
/// payload, an error frame a RemoteError with its report (a ProtocolError if the report does not
/// decode), anything else breaks the channel; the end of the frames is ChannelClosed, or a broken
/// channel after a malformed frame. So no value is lost, reordered or changed.
void receive_strings_as_sent(Channel& channel, Frames expected) {
  for (int i = 0; i < kMostValues; ++i) {
    std::optional<Frame> next;
    if (!expected.frames.empty()) {
      next = expected.frames.front();
      expected.frames.pop_front();
    }
    try {
      const std::string value = channel.receive<std::string>();
      expect(next && next->kind == 1 && value == next->payload,
             "a string arrived that was not the next data frame's payload");
    } catch (const RemoteError& e) {
      expect(next && reports(e, *next), "a RemoteError that is not the next frame's report");
    } catch (const ChannelClosed&) {
      expect(!next && expected.clean_end, "ChannelClosed before the frames ended");
      expect(!ChannelAccess::broken(channel), "end-of-file between frames broke the channel");
      return;
    } catch (const ProtocolError&) {
      expect(ChannelAccess::broken(channel), "a string refused without breaking the channel");
      const bool malformed = !next && !expected.clean_end;
      const bool not_a_value = next && (next->kind == 3 || next->kind == 4);
      expect(malformed || not_a_value || (next && undecodable_report(*next)),
             "a well-formed frame refused as a string or a report");
      return;
    }
  }
}

/// Sends a value whose acknowledgement the bytes are: the send reads up to the first
/// acknowledgement or error report, and keeps the frames before it for the receives that follow.
void send_then_receive_strings(Channel& channel, std::string_view bytes) {
  Frames stream = parse_frames(bytes);
  const auto answer = std::find_if(stream.frames.begin(), stream.frames.end(),
                                   [](const Frame& f) { return f.kind == 2 || f.kind == 3; });
  const bool answered = answer != stream.frames.end();
  try {
    channel.send(7);
    expect(answered && answer->kind == 3, "send returned without an acknowledgement");
  } catch (const RemoteError& e) {
    expect(answered && reports(e, *answer), "send threw a RemoteError that is no frame's report");
  } catch (const ChannelClosed&) {
    expect(!answered && stream.clean_end, "send threw ChannelClosed before the frames ended");
  } catch (const ProtocolError&) {
    expect(ChannelAccess::broken(channel), "send threw ProtocolError without breaking the channel");
    expect((!answered && !stream.clean_end) || (answered && undecodable_report(*answer)),
           "send threw ProtocolError on well-formed frames");
    return;
  }
  if (answered) stream.frames.erase(answer);
  receive_strings_as_sent(channel, std::move(stream));
}

// --- The operations -------------------------------------------------------------------------

void receive_into_span(Channel& channel) {
  std::array<std::int32_t, 4> memory{};
  receive_values(channel, [&](Channel& c) { c.receive_into(std::span<std::int32_t, 4>(memory)); });
}

void receive_into_existing(Channel& channel) {
  std::vector<float> floats(16, 1.0f);
  floats.reserve(4096);  // room a claimed size may use at once
  Record record{"old",
                {1, 2, 3},
                {4, 5},
                true,
                {true, false},
                Colour::blue,
                std::vector<std::string>{"note"},
                {{1, "one"}}};
  int turn = 0;
  receive_values(channel, [&](Channel& c) {
    if (turn++ % 2 == 0) {
      c.receive_into(floats);
    } else {
      c.receive_into(record);
      use(record);
    }
  });
}

void receive_or_stop(Channel& channel) {
  receive_values(channel, [](Channel& c) {
    if (const auto value = c.receive_or_stop<std::tuple<int, int>>()) use(*value);
  });
}

void receive_with_timeout(Channel& channel) {
  // Every byte is sent before the peer shuts its side: no receive may time out.
  receive_values(channel, [](Channel& c) {
    use(c.receive<std::vector<std::int16_t>>(std::chrono::seconds(30)));
  });
}

void run(Operation operation, Channel& channel, std::string_view bytes) {
  switch (operation) {
    case Operation::receive_int:
      return receive_each<int>(channel);
    case Operation::receive_string:
      return receive_strings_as_sent(channel, parse_frames(bytes));
    case Operation::receive_doubles:
      return receive_each<std::vector<double>>(channel);
    case Operation::receive_strings:
      return receive_each<std::vector<std::string>>(channel);
    case Operation::receive_optional:
      return receive_each<std::optional<int>>(channel);
    case Operation::receive_pair:
      return receive_each<std::pair<int, std::string>>(channel);
    case Operation::receive_map:
      return receive_each<std::map<std::string, int>>(channel);
    case Operation::receive_variant:
      return receive_each<std::variant<int, std::string>>(channel);
    case Operation::receive_tuple:
      return receive_each<std::tuple<int, double, std::string>>(channel);
    case Operation::receive_array:
      return receive_each<std::array<int, 4>>(channel);
    case Operation::receive_record:
      return receive_each<Record>(channel);
    case Operation::receive_bools:
      return receive_each<std::vector<bool>>(channel);
    case Operation::receive_bool_array:
      return receive_each<std::array<bool, 3>>(channel);
    case Operation::receive_unordered_map:
      return receive_each<std::unordered_map<std::string, std::vector<int>>>(channel);
    case Operation::receive_nested:
      return receive_each<std::vector<std::vector<std::uint8_t>>>(channel);
    case Operation::receive_into_span:
      return receive_into_span(channel);
    case Operation::receive_into_existing:
      return receive_into_existing(channel);
    case Operation::receive_or_stop:
      return receive_or_stop(channel);
    case Operation::receive_with_timeout:
      return receive_with_timeout(channel);
    case Operation::send_then_receive_strings:
      return send_then_receive_strings(channel, bytes);
  }
}

}  // namespace
}  // namespace pprocess::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  __sanitizer_install_malloc_and_free_hooks(pprocess::fuzz::count_malloc,
                                            pprocess::fuzz::count_free);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fuzz = pprocess::fuzz;
  namespace detail = pprocess::detail;
  if (size == 0) return 0;
  const auto operation = static_cast<fuzz::Operation>(data[0] % fuzz::kOperations);
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  bool fits = true;
  fuzz::within_heap_bound(size, [&] {
    std::array<int, 2> ends{};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends.data()) != 0) {
      fuzz::fail("socketpair failed");
    }
    detail::Fd peer(ends[1]);
    pprocess::Channel channel = detail::ChannelAccess::make(detail::Fd(ends[0]));
    fits = fuzz::send_all(peer, bytes);
    if (!fits) return;
    if (operation == fuzz::Operation::send_then_receive_strings) {
      // The send needs a peer to deliver its value to; the other operations have it leave.
      const fuzz::Listener listener(std::move(peer));
      fuzz::run(operation, channel, bytes);
      channel.close();
    } else {
      peer.reset();
      fuzz::run(operation, channel, bytes);
    }
  });
  return fits ? 0 : -1;  // -1: an input larger than a socket holds is not kept
}
