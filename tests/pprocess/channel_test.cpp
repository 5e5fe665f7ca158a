// Channel: typed round trips, the rendezvous, remote errors, closed peers and bad frames.
#include "pprocess/channel.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "channel_access.hpp"
#include "fork_test.hpp"
#include "pprocess/process.hpp"
#include "raw_frames.hpp"
#include "sanitized.hpp"

namespace pprocess {
namespace {

using testing::now_ns;

struct Particle {
  std::string name;
  std::array<double, 3> position{};
  std::vector<int> tags;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(name, position, tags);
  }
  friend bool operator==(const Particle&, const Particle&) = default;
};

/// Interrupts this process with SIGALRM every 200 µs while it lives, without SA_RESTART, so
/// that every blocking system call sees EINTR; restores the previous state when it ends.
class SignalStorm {
 public:
  SignalStorm() {
    struct sigaction action {};
    action.sa_handler = [](int) {};
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    if (::sigaction(SIGALRM, &action, &previous_) != 0) throw std::runtime_error("sigaction");
    const itimerval every_200us{{0, 200}, {0, 200}};
    if (::setitimer(ITIMER_REAL, &every_200us, nullptr) != 0) throw std::runtime_error("setitimer");
  }
  SignalStorm(const SignalStorm&) = delete;
  SignalStorm& operator=(const SignalStorm&) = delete;
  ~SignalStorm() {
    const itimerval off{};
    ::setitimer(ITIMER_REAL, &off, nullptr);
    ::sigaction(SIGALRM, &previous_, nullptr);
  }

 private:
  struct sigaction previous_ {};
};

using testing::RawHeader;
using testing::scripted_peer;
using testing::ScriptedPeer;
using testing::write_frame;
using testing::write_raw;
using namespace std::string_literals;

class ChannelTest : public testing::ForkTest {};

TEST_F(ChannelTest, ValuesOfSeveralTypesRoundTrip) {
  Child channel = start([](Channel& c) {
    c.send(c.receive<int>() + 1);
    c.send(c.receive<std::string>() + "!");
    auto floats = c.receive<std::vector<float>>();
    for (float& f : floats) f *= 2;
    c.send(floats);
    auto particle = c.receive<Particle>();
    particle.tags.push_back(99);
    c.send(particle);
  });
  channel.send(41);
  EXPECT_EQ(channel.receive<int>(), 42);
  channel.send(std::string("hello"));
  EXPECT_EQ(channel.receive<std::string>(), "hello!");

  std::vector<float> floats(1 << 18);  // 1 MiB
  for (std::size_t i = 0; i < floats.size(); ++i) floats[i] = static_cast<float>(i) * 0.5f;
  channel.send(floats);
  const auto doubled = channel.receive<std::vector<float>>();
  ASSERT_EQ(doubled.size(), floats.size());
  for (std::size_t i = 0; i < floats.size(); ++i) ASSERT_EQ(doubled[i], floats[i] * 2);

  const Particle sent{"muon", {1.5, -2.0, 3.25}, {1, 2}};
  channel.send(sent);
  Particle expected = sent;
  expected.tags.push_back(99);
  EXPECT_EQ(channel.receive<Particle>(), expected);
  channel.close();
  EXPECT_EQ(channel.exit_status()->exit_code, 0);
}

TEST_F(ChannelTest, ReceiveIntoReusesTheStorageOfTheValueItFills) {
  Child channel = start([](Channel& c) {
    for (int i = 0; i < 3; ++i) c.send(std::vector<float>(1 << 18, static_cast<float>(i)));
    c.send(Particle{"tau", {0, 0, 1}, {3}});
  });
  std::vector<float> block;
  channel.receive_into(block);
  const float* storage = block.data();
  for (int i = 1; i < 3; ++i) {
    channel.receive_into(block);
    EXPECT_EQ(block.data(), storage) << "a fresh allocation for a block of the same size";
    ASSERT_EQ(block.size(), std::size_t{1} << 18);
    EXPECT_EQ(block.front(), static_cast<float>(i));
    EXPECT_EQ(block.back(), static_cast<float>(i));
  }
  Particle particle{"old", {9, 9, 9}, {1, 2, 3, 4}};
  channel.receive_into(particle);
  EXPECT_EQ(particle, (Particle{"tau", {0, 0, 1}, {3}}));
}

TEST_F(ChannelTest, SendReturnsOnlyAfterThePeerHasReceived) {
  Child channel = start([](Channel& c) {
    ::usleep(200'000);
    const long long before_receive = now_ns();
    static_cast<void>(c.receive<int>());
    c.send(before_receive);
  });
  channel.send(1);
  const long long send_returned = now_ns();
  const long long peer_started_receiving = channel.receive<long long>();
  EXPECT_GE(send_returned, peer_started_receiving);
}

TEST_F(ChannelTest, AnExceptionInTheChildArrivesAsRemoteErrorWithItsTypeAndMessage) {
  Child channel = start([](Channel&) { throw std::invalid_argument("no such cell"); });
  try {
    static_cast<void>(channel.receive<int>());
    FAIL() << "expected RemoteError";
  } catch (const RemoteError& e) {
    EXPECT_EQ(e.type_name(), "std::invalid_argument");
    EXPECT_EQ(e.message(), "no such cell");
    EXPECT_EQ(e.pid(), channel.pid());
    EXPECT_NE(std::string(e.what()).find("no such cell"), std::string::npos);
  }
  EXPECT_TRUE(channel.received_error());
  channel.close();
  EXPECT_EQ(channel.exit_status()->exit_code, 1);
}

TEST_F(ChannelTest, APeerThatExitsWithoutSendingGivesChannelClosedPromptly) {
  Child channel = start([](Channel&) {});
  const long long began = now_ns();
  EXPECT_THROW(static_cast<void>(channel.receive<int>()), ChannelClosed);
  EXPECT_LT(now_ns() - began, 1'000'000'000LL);
}

TEST_F(ChannelTest, APeerKilledWhileWeWaitGivesChannelClosed) {
  Child channel = start([](Channel&) { ::raise(SIGKILL); });
  EXPECT_THROW(static_cast<void>(channel.receive<int>()), ChannelClosed);
  channel.close();
  EXPECT_EQ(channel.exit_status()->signal, SIGKILL);
}

TEST_F(ChannelTest, SendingToAPeerThatLeftGivesChannelClosedNotSigpipe) {
  Child channel = start([](Channel&) {});
  ::usleep(50'000);
  EXPECT_THROW(channel.send(std::vector<int>(1 << 20, 7)), ChannelClosed);
}

TEST_F(ChannelTest, ATruncatedHeaderIsAProtocolError) {
  Child channel = start([](Channel& c) {
    const RawHeader header;
    ::send(c.fileno(), &header, 8, MSG_NOSIGNAL);
  });
  EXPECT_THROW(static_cast<void>(channel.receive<int>()), ProtocolError);
}

TEST_F(ChannelTest, ATruncatedPayloadIsAProtocolError) {
  Child channel = start([](Channel& c) {
    RawHeader header;
    header.length = 100;
    write_raw(c, &header, sizeof header);
    write_raw(c, "0123456789", 10);
  });
  EXPECT_THROW(static_cast<void>(channel.receive<std::string>()), ProtocolError);
}

TEST_F(ChannelTest, AnOversizedFrameIsAProtocolErrorAndNotAnAllocation) {
  Child channel = start([](Channel& c) {
    RawHeader header;
    header.length = std::uint64_t{1} << 40;
    write_raw(c, &header, sizeof header);
    ::pause();  // stay, so only the length can be the problem
  });
  try {
    static_cast<void>(channel.receive<std::vector<char>>());
    FAIL() << "expected ProtocolError";
  } catch (const ProtocolError& e) {
    EXPECT_NE(std::string(e.what()).find("exceeds the limit"), std::string::npos) << e.what();
  }
  ::kill(channel.pid(), SIGKILL);
}

TEST_F(ChannelTest, ACorruptHeaderIsAProtocolError) {
  Child channel = start([](Channel& c) {
    RawHeader header;
    header.magic = 0xdeadbeef;
    write_raw(c, &header, sizeof header);
  });
  EXPECT_THROW(static_cast<void>(channel.receive<int>()), ProtocolError);
}

TEST_F(ChannelTest, AValueOfTheWrongTypeIsAProtocolErrorOnBothSides) {
  Child channel = start([](Channel& c) {
    try {
      c.send(7);
      c.send(std::string("no error"));
    } catch (const RemoteError& e) {
      c.send(e.type_name());
    }
  });
  EXPECT_THROW(static_cast<void>(channel.receive<std::pair<int, int>>()), ProtocolError);
  EXPECT_EQ(channel.receive<std::string>(), "pprocess::ProtocolError");
}

TEST_F(ChannelTest, AfterAFramingErrorTheChannelIsBrokenAndThePeerSeesEndOfFile) {
  Child channel = start([](Channel& c) {
    RawHeader header;
    header.magic = 0xdeadbeef;
    write_raw(c, &header, sizeof header);
    try {
      static_cast<void>(c.receive<int>());
    } catch (const ChannelClosed&) {
      pprocess::exit(c, 7);  // the creator shut the broken channel
    }
  });
  EXPECT_THROW(static_cast<void>(channel.receive<int>()), ProtocolError);
  EXPECT_TRUE(detail::ChannelAccess::broken(channel.channel()));
  EXPECT_THROW(static_cast<void>(channel.receive<int>()), ProtocolError);
  EXPECT_THROW(channel.send(1), ProtocolError);
  channel.close();
  EXPECT_EQ(channel.exit_status()->exit_code, 7);
}

TEST_F(ChannelTest, APostedValueArrivesWithoutTheSenderWaiting) {
  Child channel = start([](Channel& c) {
    c.post(1);
    c.post(std::string("two"));
    c.send(3);
  });
  EXPECT_EQ(channel.receive<int>(), 1);
  EXPECT_EQ(channel.receive<std::string>(), "two");
  EXPECT_EQ(channel.receive<int>(), 3);
  EXPECT_EQ(detail::ChannelAccess::frames_received(channel.channel()), 3U);
}

TEST_F(ChannelTest, TheValueOkAndErrorLikeStringsAreReceivedAsData) {
  Child channel = start([](Channel& c) {
    c.send(std::string("OK"));
    c.send(std::string("RemoteError: std::runtime_error: boom"));
    c.send(std::string(""));
  });
  EXPECT_EQ(channel.receive<std::string>(), "OK");
  EXPECT_EQ(channel.receive<std::string>(), "RemoteError: std::runtime_error: boom");
  EXPECT_EQ(channel.receive<std::string>(), "");
}

TEST_F(ChannelTest, AStringLiteralArrivesAsItsTextWithoutTheClosingNul) {
  Child channel = start([](Channel& c) { c.send("Done"); });
  EXPECT_EQ(channel.receive<std::string>(), "Done");
}

TEST_F(ChannelTest, SurvivesSignalsInterruptingEverySystemCall) {
  const SignalStorm storm;  // interval timers are not inherited: the child starts its own
  Child channel = start([](Channel& c) {
    const SignalStorm child_storm;
    for (int i = 0; i < 20; ++i) c.send(c.receive<std::vector<double>>());
  });
  const std::vector<double> block(1 << 17, 3.5);  // 1 MiB
  for (int i = 0; i < 20; ++i) {
    channel.send(block);
    ASSERT_EQ(channel.receive<std::vector<double>>(), block);
  }
  channel.close();
  EXPECT_EQ(channel.exit_status()->exit_code, 0);
}

TEST_F(ChannelTest, AMovedChannelKeepsWhatItHasReceivedAndWhetherItIsBroken) {
  Child channel = start([](Channel& c) {
    c.send(1);
    const RawHeader header{.magic = 0xdeadbeef};
    write_raw(c, &header, sizeof header);
    ::pause();
  });
  EXPECT_EQ(channel.receive<int>(), 1);
  Channel moved(std::move(channel.channel()));
  EXPECT_EQ(detail::ChannelAccess::frames_received(moved), 1U);
  EXPECT_THROW(static_cast<void>(moved.receive<int>()), ProtocolError);
  Channel assigned;
  assigned = std::move(moved);
  EXPECT_TRUE(detail::ChannelAccess::broken(assigned));
  EXPECT_EQ(detail::ChannelAccess::frames_received(assigned), 1U);
  EXPECT_THROW(static_cast<void>(assigned.receive<int>()), ProtocolError);
  ::kill(assigned.pid(), SIGKILL);
}

TEST_F(ChannelTest, ADroppedChannelEndsAChildStuckInSend) {
  const auto started = now_ns();
  {
    Child channel = start([](Channel& c) { c.send(1); });
  }
  EXPECT_LT(now_ns() - started, 5'000'000'000LL);
}

TEST_F(ChannelTest, ReceivingOnAClosedChannelIsChannelClosed) {
  Channel channel;
  EXPECT_FALSE(channel.is_open());
  EXPECT_THROW(static_cast<void>(channel.receive<int>()), ChannelClosed);
  EXPECT_THROW(channel.send(1), ChannelClosed);
}

// Hostile sizes: a claim costs nothing until its bytes arrive.

TEST_F(ChannelTest, AHeaderClaimingAGibibyteAllocatesNothingBeforeItsBytesArrive) {
  Child channel = start([](Channel& c) {
    RawHeader header;
    header.length = std::uint64_t{1} << 30;  // the limit itself
    write_raw(c, &header, sizeof header);
    write_raw(c, "0123456789", 10);
  });
  const long long before = testing::peak_memory_bytes();
  EXPECT_THROW(static_cast<void>(channel.receive<std::vector<char>>()), ProtocolError);
  EXPECT_LT(testing::peak_memory_bytes() - before, 64LL << 20);
}

TEST_F(ChannelTest, AnEncodedValueClaimingAGibibyteAllocatesNothingBeforeItsBytesArrive) {
  Child channel = start([](Channel& c) {
    RawHeader header;
    header.length = std::uint64_t{1} << 30;
    write_raw(c, &header, sizeof header);
    write_raw(c, "0123456789", 10);
  });
  const long long before = testing::peak_memory_bytes();
  EXPECT_THROW(static_cast<void>(channel.receive<Particle>()), ProtocolError);
  EXPECT_LT(testing::peak_memory_bytes() - before, 64LL << 20);
}

TEST_F(ChannelTest, AContainerClaimingBillionsOfElementsIsAProtocolErrorNotAnAllocation) {
  Child channel = start([](Channel& c) {
    std::string payload(44, '\0');
    const std::uint64_t count = std::uint64_t{1} << 33;
    std::memcpy(payload.data(), &count, sizeof count);
    write_frame(c, payload);
    ::pause();
  });
  const long long before = testing::peak_memory_bytes();
  EXPECT_THROW(static_cast<void>(channel.receive<std::vector<std::string>>()), ProtocolError);
  EXPECT_LT(testing::peak_memory_bytes() - before, 64LL << 20);
  ::kill(channel.pid(), SIGKILL);
}

TEST_F(ChannelTest, AnErrorReportClaimingGigabytesOfTextIsAProtocolError) {
  Child channel = start([](Channel& c) {
    std::string payload(24, 'x');
    const std::uint64_t length = std::uint64_t{1} << 31;
    std::memcpy(payload.data(), &length, sizeof length);
    write_frame(c, payload, 2);  // an error frame
    ::pause();
  });
  const long long before = testing::peak_memory_bytes();
  EXPECT_THROW(static_cast<void>(channel.receive<int>()), ProtocolError);
  EXPECT_LT(testing::peak_memory_bytes() - before, 64LL << 20);
  ::kill(channel.pid(), SIGKILL);
}

TEST_F(ChannelTest, AnErrorReportWithBytesAfterItsTwoStringsIsAProtocolError) {
  ScriptedPeer peer = scripted_peer(
      "crpp\2\0\0\0\23\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0E\1\0\0\0\0\0\0\0m!"s);  // error: "E", "m", "!"
  EXPECT_THROW(static_cast<void>(peer.channel.receive<int>()), ProtocolError);
  EXPECT_FALSE(peer.channel.received_error());
}

TEST_F(ChannelTest, ABoolOfAnotherValueThanZeroOrOneIsAProtocolError) {
  Child channel = start([](Channel& c) {
    const std::string payload{static_cast<char>(129), 1, 0, 0, 0};  // an optional<int>'s flag
    write_frame(c, payload);
    ::pause();
  });
  EXPECT_THROW(static_cast<void>(channel.receive<std::optional<int>>()), ProtocolError);
  ::kill(channel.pid(), SIGKILL);
}

TEST_F(ChannelTest, AnArrayOfBoolsHoldingAByteOtherThanZeroOrOneIsAProtocolError) {
  ScriptedPeer peer = scripted_peer(
      "crpp\1\0\0\0\3\0\0\0\0\0\0\0\1\2\0"     // data, 3 bytes: a std::array<bool, 3> with a 2
      "crpp\1\0\0\0\3\0\0\0\0\0\0\0\1\0\1"s);  // data, 3 bytes: true, false, true
  std::array<bool, 3> flags{false, true, false};
  EXPECT_THROW(peer.channel.receive_into(flags), ProtocolError);
  EXPECT_EQ(flags, (std::array<bool, 3>{false, true, false})) << "no bool was stored";
  EXPECT_FALSE(detail::ChannelAccess::broken(peer.channel)) << "the frame was read whole";
  EXPECT_EQ((peer.channel.receive<std::array<bool, 3>>()),
            (std::array<bool, 3>{true, false, true}));
}

/// Lets this process map at most `bytes` more than it has mapped now.
void limit_address_space_growth(std::size_t bytes) {
  long pages = 0;
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr || std::fscanf(statm, "%ld", &pages) != 1) {
    throw std::runtime_error("cannot read /proc/self/statm");
  }
  std::fclose(statm);
  const auto mapped = static_cast<rlim_t>(pages) * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE));
  const rlimit limit{mapped + bytes, mapped + bytes};
  if (::setrlimit(RLIMIT_AS, &limit) != 0) throw std::runtime_error("setrlimit failed");
}

TEST_F(ChannelTest, AValueLargerThanTheMemoryLeftIsAProtocolErrorNotBadAlloc) {
  if (kSanitized) GTEST_SKIP() << "a sanitizer maps more address space than a limit can allow";
  constexpr std::size_t kClaimed = std::size_t{512} << 20;
  Child channel = start([](Channel& c) {
    limit_address_space_growth(std::size_t{64} << 20);
    try {
      static_cast<void>(c.receive<std::vector<char>>());
    } catch (const ProtocolError&) {
      pprocess::exit(c, 3);
    }
  });
  // A real value, sent until the receiver gives up: its storage outgrows the limit part way.
  RawHeader header;
  header.length = kClaimed;
  write_raw(channel.channel(), &header, sizeof header);
  const std::vector<char> piece(std::size_t{1} << 20);
  for (std::size_t sent = 0; sent < kClaimed; sent += piece.size()) {
    if (::send(channel.fileno(), piece.data(), piece.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(piece.size())) {
      break;
    }
  }
  channel.close();
  EXPECT_EQ(channel.exit_status()->exit_code, 3) << "the receive did not end in ProtocolError";
}

TEST_F(ChannelTest, TwoPeersSendingLargeValuesToEachOtherAtOnceBothGetThrough) {
  constexpr std::size_t kBytes = std::size_t{8} << 20;
  Child channel = start([](Channel& c) {
    c.send(std::vector<char>(kBytes, 'c'));
    const auto theirs = c.receive<std::vector<char>>();
    c.send(theirs.size() == kBytes && theirs.front() == 'p' && theirs.back() == 'p');
  });
  channel.send(std::vector<char>(kBytes, 'p'));
  const auto theirs = channel.receive<std::vector<char>>();
  EXPECT_EQ(theirs.size(), kBytes);
  EXPECT_EQ(theirs.front(), 'c');
  EXPECT_EQ(theirs.back(), 'c');
  EXPECT_TRUE(channel.receive<bool>());
}

// What arrives while a send waits for its acknowledgement.

TEST_F(ChannelTest, ASendThatMeetsEndOfFileKeepsTheValueThePeerSentBeforeClosing) {
  ScriptedPeer peer = scripted_peer("crpp\1\0\0\0\1\0\0\0\0\0\0\0o"s);  // data, posted: "o"
  EXPECT_THROW(peer.channel.send(7), ChannelClosed);
  EXPECT_EQ(peer.channel.receive<std::string>(), "o");
  EXPECT_THROW(static_cast<void>(peer.channel.receive<std::string>()), ChannelClosed);
}

TEST_F(ChannelTest, AnErrorReportDuringASendIsReadWholeAndTheValuesAroundItAreKept) {
  // The error report is two strings, each a 64-bit length and its bytes.
  ScriptedPeer peer = scripted_peer(
      "crpp\1\0\0\0\5\0\0\0\0\0\0\0early"                                // data: "early"
      "crpp\2\0\0\0\22\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0E\1\0\0\0\0\0\0\0m"  // error: "E", "m"
      "crpp\1\0\0\0\4\0\0\0\0\0\0\0late"s);                              // data: "late"
  try {
    peer.channel.send(7);
    FAIL() << "expected RemoteError";
  } catch (const RemoteError& e) {
    EXPECT_EQ(e.type_name(), "E");
    EXPECT_EQ(e.message(), "m");
  }
  EXPECT_EQ(peer.channel.receive<std::string>(), "early");
  EXPECT_EQ(peer.channel.receive<std::string>(), "late");
  EXPECT_THROW(static_cast<void>(peer.channel.receive<std::string>()), ChannelClosed);
}

TEST_F(ChannelTest, AnAcknowledgementCarryingAPayloadIsAProtocolError) {
  // The payload looks like a frame header: read as the next frame, it would be a value nobody
  // sent.
  ScriptedPeer peer = scripted_peer(
      "crpp\3\0\0\0\20\0\0\0\0\0\0\0"    // acknowledgement, claiming 16 bytes
      "crpp\1\0\0\0\0\0\0\0\0\0\0\0"s);  // 16 bytes: an empty data frame's header
  EXPECT_THROW(peer.channel.send(7), ProtocolError);
  EXPECT_TRUE(detail::ChannelAccess::broken(peer.channel));
}

TEST_F(ChannelTest, AStopRequestCarryingAPayloadIsAProtocolError) {
  ScriptedPeer peer = scripted_peer(
      "crpp\4\0\0\0\20\0\0\0\0\0\0\0"    // stop request, claiming 16 bytes
      "crpp\1\0\0\0\0\0\0\0\0\0\0\0"s);  // 16 bytes: an empty data frame's header
  EXPECT_THROW(static_cast<void>(peer.channel.receive_or_stop<std::string>()), ProtocolError);
  EXPECT_TRUE(detail::ChannelAccess::broken(peer.channel));
}

// Deadlines.

TEST_F(ChannelTest, AReceiveWithATimeoutIsTimedOutWhenThePeerStallsHalfWayThroughAValue) {
  Child channel = start([](Channel& c) {
    RawHeader header;
    header.length = 100;
    write_raw(c, &header, sizeof header);
    write_raw(c, "0123456789", 10);
    ::pause();
  });
  try {
    static_cast<void>(channel.receive<std::string>(std::chrono::milliseconds(200)));
    FAIL() << "expected TimedOut";
  } catch (const TimedOut& e) {
    EXPECT_EQ(e.pid(), channel.pid());
    EXPECT_GE(e.elapsed(), std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(detail::ChannelAccess::broken(channel.channel()))
      << "half a value left the stream out of step";
  ::kill(channel.pid(), SIGKILL);
}

TEST_F(ChannelTest, AReceiveThatTimesOutBetweenValuesLeavesTheChannelUsable) {
  Child channel = start([](Channel& c) { c.send(c.receive<int>() + 1); });
  EXPECT_THROW(static_cast<void>(channel.receive<int>(std::chrono::milliseconds(50))), TimedOut);
  EXPECT_FALSE(detail::ChannelAccess::broken(channel.channel()));
  channel.send(4);
  EXPECT_EQ(channel.receive<int>(std::chrono::seconds(30)), 5);
}

// Caller memory.

TEST_F(ChannelTest, ReceiveIntoASpanFillsCallerMemoryInPlace) {
  Child channel = start([](Channel& c) { c.send(std::vector<std::uint8_t>{1, 2, 3, 4}); });
  std::array<std::uint8_t, 6> memory{};
  channel.receive_into(std::span(memory).subspan(1, 4));
  EXPECT_EQ(memory, (std::array<std::uint8_t, 6>{0, 1, 2, 3, 4, 0}));
}

TEST_F(ChannelTest, ReceiveIntoASpanOfAnotherSizeIsAProtocolError) {
  Child channel = start([](Channel& c) { c.post(std::vector<std::uint8_t>{1, 2, 3}); });
  std::array<std::uint8_t, 4> memory{};
  EXPECT_THROW(channel.receive_into(std::span(memory)), ProtocolError);
}

}  // namespace
}  // namespace pprocess
