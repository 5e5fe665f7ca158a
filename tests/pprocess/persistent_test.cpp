// Persistent and background processes: collecting a background task's results later, from
// another process, what a background process is made of, who may connect, and what is never lost.
#include "pprocess/persistent.hpp"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <numeric>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "fork_test.hpp"
#include "pprocess/detail/archive.hpp"
#include "pprocess/detail/fd.hpp"
#include "pprocess/exchange.hpp"
#include "pprocess/parallel.hpp"
#include "pprocess/process.hpp"
#include "pprocess/queue.hpp"
#include "raw_frames.hpp"
#include "sanitized.hpp"

namespace pprocess {
namespace {

using namespace std::chrono_literals;
using testing::RawHeader;

/// The user a test switches to, to be another user than the one who started the server.
constexpr uid_t kNobody = 65534;

/// A background task's work.
int square(int x) { return x * x; }

/// Waits up to `limit` for `condition`, looking every 10 ms; whether it came true.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

/// Whether process `pid` has ended. Background processes are nobody's children here, so one
/// that ended may linger as a zombie until whoever adopted it reaps it: that counts as ended.
bool gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return errno == ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const std::size_t name_end = line.rfind(')');
  if (name_end == std::string::npos || name_end + 2 >= line.size()) return true;
  return line[name_end + 2] == 'Z' || line[name_end + 2] == 'X';
}

bool exists(const std::string& path) {
  struct stat status {};
  return ::lstat(path.c_str(), &status) == 0;
}

/// Where a symbolic link (one of /proc/PID/fd/N) leads; empty when it cannot be read.
std::string link_of(const std::string& path) {
  std::error_code error;
  const std::filesystem::path target = std::filesystem::read_symlink(path, error);
  return error ? std::string() : target.string();
}

/// Where every descriptor of process `pid` leads ("self" for this one).
std::vector<std::string> descriptors_of(const std::string& pid) {
  std::vector<std::string> links;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + pid + "/fd", error)) {
    links.push_back(link_of(entry.path().string()));
  }
  return links;
}

/// The hello that opens a persistent connection, as the wire carries it.
struct RawHello {
  std::array<char, 8> magic{'p', 'p', 'r', 'o', 'c', 'e', 's', 's'};
  std::uint32_t version = kPersistentProtocolVersion;
  std::int32_t pid = 0;
  std::int32_t holder = 0;  // from a server serving another client: that client's pid
  std::uint32_t reserved = 0;
};
static_assert(sizeof(RawHello) == 24);

template <class T>
std::string bytes_of(const T& value) {
  return std::string(reinterpret_cast<const char*>(&value), sizeof value);
}

/// A connection made by hand, to speak the protocol badly. Its reads and writes give up after
/// 20 s.
class RawConnection {
 public:
  explicit RawConnection(const std::string& where)
      : socket_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    where.copy(address.sun_path, sizeof address.sun_path - 1);
    const timeval patience{20, 0};
    ::setsockopt(socket_.get(), SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    ::setsockopt(socket_.get(), SOL_SOCKET, SO_SNDTIMEO, &patience, sizeof patience);
    if (::connect(socket_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) !=
        0) {
      throw std::system_error(errno, std::generic_category(), "connect to " + where);
    }
  }

  void write(const std::string& bytes) {
    if (!try_write(bytes)) throw std::runtime_error("RawConnection: send failed");
  }
  /// Whether all of `bytes` went out (not when the server has closed the connection).
  bool try_write(const std::string& bytes) {
    return ::send(socket_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  /// A frame of `kind` (1 data, 4 stop request) asking for an acknowledgement.
  void write_frame(std::uint8_t kind, const std::string& payload) {
    if (!try_write_frame(kind, payload)) throw std::runtime_error("RawConnection: send failed");
  }
  /// The same; whether it went out (not once the server has dropped this client).
  bool try_write_frame(std::uint8_t kind, const std::string& payload) {
    RawHeader header;
    header.kind = kind;
    header.flags = detail::kWantsAcknowledgement;
    header.length = payload.size();
    return try_write(bytes_of(header) + payload);
  }
  /// No more writing: the server reads end-of-file.
  void finish_writing() { ::shutdown(socket_.get(), SHUT_WR); }
  /// Up to `count` bytes: fewer when the connection ends first.
  std::string read(std::size_t count) {
    std::string got;
    while (got.size() < count) {
      std::array<char, 4096> buffer;
      const ssize_t n =
          ::recv(socket_.get(), buffer.data(), std::min(buffer.size(), count - got.size()), 0);
      if (n <= 0) break;
      got.append(buffer.data(), static_cast<std::size_t>(n));
    }
    return got;
  }
  /// Everything until the connection ends.
  std::string read_all() { return read(std::string::npos); }

 private:
  detail::Fd socket_;
};

/// What a background process finds around itself.
struct Surroundings {
  std::vector<std::string> standard_streams;  // where descriptors 0, 1 and 2 lead
  std::vector<std::string> descriptors;       // where each of its descriptors leads
  bool writes_succeed = false;
  bool reads_end = false;
  pid_t session = 0;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(standard_streams, descriptors, writes_succeed, reads_end, session);
  }
};

Surroundings look_around() {
  Surroundings found;
  for (int fd = 0; fd <= 2; ++fd) {
    found.standard_streams.push_back(link_of("/proc/self/fd/" + std::to_string(fd)));
  }
  found.descriptors = descriptors_of("self");
  std::cout << "to standard output" << std::endl;
  std::cerr << "to standard error" << std::endl;
  found.writes_succeed = std::cout.good() && std::cerr.good() && ::write(1, "out\n", 4) == 4 &&
                         ::write(2, "err\n", 4) == 4;
  char byte = 0;
  found.reads_end = ::read(0, &byte, 1) == 0;
  found.session = ::getsid(0);
  return found;
}

/// Appends a line to `path` (a record that survives the process that wrote it).
void append_line(const std::string& path, const std::string& line) {
  std::ofstream(path, std::ios::app) << line << '\n';
}

/// The lines of `path` (none when it cannot be read).
std::size_t lines_in(const std::string& path) {
  std::ifstream file(path);
  std::size_t count = 0;
  for (std::string line; std::getline(file, line);) ++count;
  return count;
}

/// An environment variable set while it lives, for the background processes started meanwhile
/// (which read it as they start).
class ScopedVariable {
 public:
  ScopedVariable(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ScopedVariable(const ScopedVariable&) = delete;
  ScopedVariable& operator=(const ScopedVariable&) = delete;
  ~ScopedVariable() { ::unsetenv(name_); }

 private:
  const char* name_;
};

/// Whether `fd` reaches end-of-file within `limit` (nothing is ever written to it).
bool reaches_end_of_file(int fd, std::chrono::milliseconds limit) {
  pollfd watched{fd, POLLIN, 0};
  if (::poll(&watched, 1, static_cast<int>(limit.count())) != 1) return false;
  char byte = 0;
  return ::read(fd, &byte, 1) == 0;
}

/// A listening socket at `where`, made by hand.
detail::Fd listen_by_hand(const std::string& where) {
  detail::Fd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  where.copy(address.sun_path, sizeof address.sun_path - 1);
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener.get(), 4) != 0) {
    throw std::system_error(errno, std::generic_category(), "listen at " + where);
  }
  return listener;
}

/// A process that plays a server at `where`: it answers one connection with `answer`, waits for
/// the client to leave, then sends true.
Child fake_server(const std::string& where, const std::string& answer) {
  const detail::Fd listener = listen_by_hand(where);
  return pprocess::start(
      [answer](Channel& channel, int listening) {
        const detail::Fd connection(::accept(listening, nullptr, nullptr));
        if (::write(connection.get(), answer.data(), answer.size()) !=
            static_cast<ssize_t>(answer.size())) {
          throw std::runtime_error("fake server: write failed");
        }
        char byte = 0;
        while (::read(connection.get(), &byte, 1) > 0) {
        }
        channel.send(true);
      },
      listener.get());
}

/// Switches a created process to another user (this one must be root).
void become_nobody() {
  if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
    throw std::system_error(errno, std::generic_category(), "switching to user 65534");
  }
}

/// The fork fixture, with a temporary directory for addresses. Every background process a test
/// starts is killed when the test ends, whatever happened: those it learnt of (`remember`), and
/// those its background functions recorded (`note_server`).
class PersistentTest : public testing::ForkTest {
 protected:
  void SetUp() override {
    ForkTest::SetUp();
    std::array<char, 32> pattern{};
    std::strcpy(pattern.data(), "/tmp/ppbg-XXXXXX");
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
    directory_ = pattern.data();
    servers_file_ = directory_ + "/servers";
  }

  void TearDown() override {
    end_background_processes();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
    ForkTest::TearDown();
  }

  [[nodiscard]] std::string address(const std::string& name) const {
    return directory_ + "/" + name;
  }

  /// Remembers a background process, to kill it if it is still there when the test ends.
  pid_t remember(pid_t pid) {
    remembered_.push_back(pid);
    return pid;
  }

  /// start_persistent, remembering the background process.
  template <class F, class... Args>
  Channel start(const std::string& where, F&& f, Args&&... args) {
    Channel channel = start_persistent(where, std::forward<F>(f), std::forward<Args>(args)...);
    remember(channel.pid());
    return channel;
  }

  /// A background process at `where` whose worker tells its process id, then waits for ever;
  /// both remembered, the starter's connection closed. Returns {server, worker}.
  std::pair<pid_t, pid_t> start_idle(const std::string& where) {
    Channel first = start(where, [](Channel& channel) {
      channel.send(static_cast<int>(::getpid()));
      ::pause();
    });
    const pid_t server = first.pid();
    const pid_t worker = remember(first.receive<int>());
    first.close();
    return {server, worker};
  }

  /// For a background function started where the test cannot learn its process (through an
  /// exchange): records the background process (its worker's parent) in `file`.
  static void note_server(const std::string& file) {
    append_line(file, std::to_string(::getppid()));
  }

  std::string directory_;
  std::string servers_file_;

 private:
  void end_background_processes() {
    std::vector<pid_t> pids = remembered_;
    std::ifstream recorded(servers_file_);
    for (pid_t pid = 0; recorded >> pid;) pids.push_back(pid);
    const std::string self = link_of("/proc/self/exe");
    for (const pid_t pid : pids) {
      // Only a process of this program in a session of its own: a background process, never a
      // process that took the number over.
      if (pid > 0 && !gone(pid) && ::getsid(pid) != ::getsid(0) &&
          link_of("/proc/" + std::to_string(pid) + "/exe") == self) {
        ::kill(pid, SIGKILL);
      }
    }
    for (const pid_t pid : pids) {
      EXPECT_TRUE(pid <= 0 || eventually([pid] { return gone(pid); }, 10s))
          << "background process " << pid << " is still there";
    }
  }

  std::vector<pid_t> remembered_;
};

/// The same fixture, for what makes a background process one.
class BackgroundTest : public PersistentTest {};

// --- Reaching a background task later ------------------------------------------------------

TEST_F(PersistentTest, ALaterProcessCollectsTheResultThenTheBackgroundProcessEndsAndItsSocketGoes) {
  const std::string where = address("task.socket");
  // The starter: a process that starts the background task, says which process it is, and exits.
  Child starter = pprocess::start([where](Channel& channel) {
    channel.send(start_persistent(where, MakeParallel(square), 12).pid());
  });
  const pid_t background = remember(starter.receive<pid_t>());
  EXPECT_EQ(starter.wait().exit_code, 0);
  ASSERT_TRUE(exists(where));

  // A new process, unrelated to the starter, collects: exactly the result, then end-of-file,
  // by which time the socket file is gone.
  Child collector = pprocess::start([where](Channel& channel) {
    Channel connection = connect_persistent(where);
    channel.send(connection.receive<int>());
    try {
      static_cast<void>(connection.receive<int>());
      channel.send(std::string("a second message"));
    } catch (const ChannelClosed&) {
      channel.send(std::string(exists(where) ? "the socket file outlived the end" : "the end"));
    }
  });
  EXPECT_EQ(collector.receive<int>(), 144);
  EXPECT_EQ(collector.receive<std::string>(), "the end");
  // The issue asks for 1 s; a loaded machine gets 5.
  EXPECT_TRUE(eventually([&] { return gone(background); }));
  EXPECT_FALSE(exists(where));
}

TEST_F(PersistentTest, ConnectingRightAfterStartingFindsTheListenerEveryTime) {
  for (int i = 0; i < 10; ++i) {
    const std::string where = address("task-" + std::to_string(i) + ".socket");
    BackgroundCallable task(where, MakeParallel(square));
    remember(task(i));
    Channel connection = connect_persistent(where);
    EXPECT_EQ(connection.receive<int>(), i * i) << "task " << i;
  }
}

TEST_F(PersistentTest, TheStartersOwnChannelIsAConnectionThatReceivesTheResult) {
  Channel channel = start(address("task.socket"), MakeParallel(square), 9);
  EXPECT_GT(channel.pid(), 0);
  // A Channel, not a Child: no Process here waits for it, and it is indeed nobody's child.
  errno = 0;
  EXPECT_EQ(::waitpid(channel.pid(), nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD) << "the background process is nobody's child";
  EXPECT_EQ(channel.receive<int>(), 81);
  EXPECT_THROW(static_cast<void>(channel.receive<int>()), ChannelClosed);
}

// --- The address ---------------------------------------------------------------------------

TEST_F(PersistentTest, AStaleSocketFileIsReplaced) {
  const std::string where = address("task.socket");
  static_cast<void>(listen_by_hand(where));  // listened once, then closed: the file stays
  ASSERT_TRUE(exists(where));
  EXPECT_THROW(static_cast<void>(connect_persistent(where)), std::system_error);
  EXPECT_EQ(start(where, MakeParallel(square), 7).receive<int>(), 49);
}

TEST_F(PersistentTest, StartingWhereAProcessListensIsAddressInUseAndTheFirstGoesOnServing) {
  const std::string where = address("task.socket");
  start(where, MakeParallel(square), 5).close();
  try {
    start(where, MakeParallel(square), 6).close();
    ADD_FAILURE() << "a second background process started at a live address";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EADDRINUSE) << e.what();
    EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
  }
  EXPECT_EQ(connect_persistent(where).receive<int>(), 25);
}

TEST_F(PersistentTest, AFileThatIsNotASocketIsNeverReplaced) {
  const std::string where = address("task.socket");
  append_line(where, "precious");
  try {
    start(where, MakeParallel(square), 1).close();
    ADD_FAILURE() << "a background process started in place of a file";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EADDRINUSE) << e.what();
  }
  std::ifstream file(where);
  std::string line;
  std::getline(file, line);
  EXPECT_EQ(line, "precious");
}

TEST_F(PersistentTest, AnAddressTooLongForASocketIsAnErrorNamingIt) {
  const std::string where = address(std::string(120, 'a'));
  for (const bool starting : {true, false}) {
    try {
      if (starting) {
        start(where, MakeParallel(square), 1).close();
      } else {
        static_cast<void>(connect_persistent(where));
      }
      ADD_FAILURE() << "an address of " << where.size() << " bytes was accepted";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code().value(), ENAMETOOLONG) << e.what();
      EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
    }
  }
}

// --- Nothing lost, nothing repeated --------------------------------------------------------

TEST_F(PersistentTest, ClientsShareTheMessagesNoneLostRepeatedOrTurnedIntoAnError) {
  const std::string where = address("task.socket");
  // Three messages. The starter's own connection, the first client, leaves having taken none.
  start(where, [](Channel& channel) {
    for (int k = 0; k < 3; ++k) channel.send(k);
  }).close();
  {
    Channel first = connect_persistent(where);
    EXPECT_EQ(first.receive<int>(), 0);
  }  // leaves at once
  Channel second = connect_persistent(where);
  EXPECT_EQ(second.receive<int>(), 1);
  EXPECT_EQ(second.receive<int>(), 2);
  EXPECT_THROW(static_cast<void>(second.receive<int>()), ChannelClosed);
}

TEST_F(PersistentTest, AClientThatLeavesInTheMiddleOfAFrameLosesNothing) {
  const std::string where = address("task.socket");
  std::vector<int> big(1 << 20);
  std::iota(big.begin(), big.end(), 0);
  start(where, [big](Channel& channel) {
    channel.send(big);
    channel.send(std::string("after"));
  }).close();
  {
    // The handshake, a frame header and the first kilobyte of its 4 MiB: then it is gone.
    RawConnection raw(where);
    raw.write(bytes_of(RawHello{}));
    ASSERT_EQ(raw.read(sizeof(RawHello)).size(), sizeof(RawHello));
    ASSERT_EQ(raw.read(sizeof(RawHeader) + 1024).size(), sizeof(RawHeader) + 1024);
  }
  Channel next = connect_persistent(where);
  EXPECT_EQ(next.receive<std::vector<int>>(), big);
  EXPECT_EQ(next.receive<std::string>(), "after");
  EXPECT_THROW(static_cast<void>(next.receive<int>()), ChannelClosed);
}

// --- Who may connect -----------------------------------------------------------------------

TEST_F(PersistentTest, TheSocketFileIsForItsOwnerOnlyWhateverTheUmask) {
  const std::string where = address("task.socket");
  const mode_t previous = ::umask(0);
  Channel channel = start(where, MakeParallel(square), 2);
  ::umask(previous);
  struct stat status {};
  ASSERT_EQ(::lstat(where.c_str(), &status), 0);
  EXPECT_TRUE(S_ISSOCK(status.st_mode));
  EXPECT_EQ(status.st_mode & 0777, 0600U);
  EXPECT_EQ(status.st_uid, ::geteuid());
  EXPECT_EQ(channel.receive<int>(), 4);
}

TEST_F(PersistentTest, AConnectionFromAnotherUserIsRefusedAndTheServerGoesOn) {
  if (::geteuid() != 0) GTEST_SKIP() << "switching to another user takes root";
  const std::string where = address("task.socket");
  start(where, MakeParallel(square), 8).close();
  ASSERT_EQ(::chmod(directory_.c_str(), 0755), 0);

  // The file's mode keeps the other user out...
  Child kept_out = pprocess::start([where](Channel& channel) {
    become_nobody();
    try {
      static_cast<void>(connect_persistent(where));
      channel.send(0);
    } catch (const std::system_error& e) {
      channel.send(e.code().value());
    }
  });
  EXPECT_EQ(kept_out.receive<int>(), EACCES);

  // ...and where the file lets it in, the server's own check does: it closes the connection
  // without a word, not even its hello.
  ASSERT_EQ(::chmod(where.c_str(), 0666), 0);
  Child refused = pprocess::start([where](Channel& channel) {
    become_nobody();
    RawConnection raw(where);
    static_cast<void>(raw.try_write(bytes_of(RawHello{})));  // the server may have closed it
    channel.send(raw.read_all());
  });
  EXPECT_EQ(refused.receive<std::string>(), "");
  EXPECT_EQ(connect_persistent(where).receive<int>(), 64);
}

TEST_F(PersistentTest, ConnectRefusesAProcessOfAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "switching to another user takes root";
  ASSERT_EQ(::chmod(directory_.c_str(), 0755), 0);
  const std::string theirs = address("theirs");
  ASSERT_EQ(::mkdir(theirs.c_str(), 0777), 0);
  ASSERT_EQ(::chmod(theirs.c_str(), 0777), 0);
  const std::string where = theirs + "/task.socket";
  // Another user's process listens there, where anyone may connect.
  Child other = pprocess::start([where](Channel& channel) {
    become_nobody();
    const detail::Fd listener = listen_by_hand(where);
    ::chmod(where.c_str(), 0666);
    channel.send(true);
    static_cast<void>(channel.receive<bool>());
  });
  ASSERT_TRUE(other.receive<bool>());
  try {
    static_cast<void>(connect_persistent(where));
    ADD_FAILURE() << "a connection to another user's process was accepted";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EPERM) << e.what();
    EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
  }
  other.send(true);
  EXPECT_EQ(other.wait().exit_code, 0);
}

// --- The handshake -------------------------------------------------------------------------

TEST_F(PersistentTest, AClientOfAnotherProtocolVersionHearsTheServersVersionAndTheServerGoesOn) {
  const std::string where = address("task.socket");
  start(where, MakeParallel(square), 6).close();
  {
    RawConnection raw(where);
    RawHello hello;
    hello.version = kPersistentProtocolVersion + 1;
    raw.write(bytes_of(hello));
    // The server's hello, which says which version it speaks, then end-of-file.
    const std::string answer = raw.read_all();
    ASSERT_EQ(answer.size(), sizeof(RawHello));
    RawHello server;
    std::memcpy(&server, answer.data(), sizeof server);
    EXPECT_EQ(server.magic, RawHello{}.magic);
    EXPECT_EQ(server.version, kPersistentProtocolVersion);
    EXPECT_GT(server.pid, 0);
  }
  EXPECT_EQ(connect_persistent(where).receive<int>(), 36);
}

TEST_F(PersistentTest, AProgramWritingGarbageIsDroppedAndTheServerGoesOn) {
  const std::string where = address("task.socket");
  start(where, MakeParallel(square), 10).close();
  for (const std::string garbage : {"GET / HTTP/1.0\r\n\r\n", "hi\n", ""}) {
    RawConnection raw(where);
    raw.write(garbage);
    raw.finish_writing();
    const std::string answer = raw.read_all();  // ends: the server has dropped it
    EXPECT_LE(answer.size(), sizeof(RawHello)) << "more than a hello for garbage";
  }
  EXPECT_EQ(connect_persistent(where).receive<int>(), 100);
}

TEST_F(PersistentTest, ConnectToAServerOfAnotherProtocolVersionIsAProtocolErrorSayingSo) {
  const std::string where = address("task.socket");
  RawHello hello;
  hello.version = kPersistentProtocolVersion + 1;
  hello.pid = 1234;
  Child server = fake_server(where, bytes_of(hello));
  try {
    static_cast<void>(connect_persistent(where));
    ADD_FAILURE() << "a server of another version was accepted";
  } catch (const ProtocolError& e) {
    const std::string expected = "version " + std::to_string(kPersistentProtocolVersion + 1);
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
  }
  EXPECT_TRUE(server.receive<bool>());
}

TEST_F(PersistentTest, ConnectToAListenerThatNeverAnswersGivesUpNamingTheAddress) {
  // Listening, so connecting succeeds, but nobody ever accepts or says hello.
  const std::string where = address("silent.socket");
  const detail::Fd listener = listen_by_hand(where);
  try {
    static_cast<void>(connect_persistent(where, 200ms));
    FAIL() << "expected no answer to be an error";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ETIMEDOUT);
    EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
  }
}

TEST_F(PersistentTest, ConnectToSomethingElseThanABackgroundProcessIsAProtocolError) {
  const std::string where = address("task.socket");
  Child server = fake_server(where, "HTTP/1.0 400 Bad Request\r\n\r\n");
  try {
    static_cast<void>(connect_persistent(where));
    ADD_FAILURE() << "a stranger was taken for a background process";
  } catch (const ProtocolError& e) {
    EXPECT_NE(std::string(e.what()).find("not a pprocess background process"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(server.receive<bool>());
}

TEST_F(PersistentTest, AClientThatSendsInsteadOfAcknowledgingIsDroppedAndNothingItSentIsRun) {
  const std::string where = address("task.socket");
  const std::string runs = address("runs");
  start(
      where,
      [runs](Channel& channel, int x) {
        append_line(runs, "run " + std::to_string(x));
        channel.send(x);
        channel.send(x + 1);
      },
      5)
      .close();
  {
    RawConnection raw(where);
    raw.write(bytes_of(RawHello{}));
    ASSERT_EQ(raw.read(sizeof(RawHello)).size(), sizeof(RawHello));
    ASSERT_EQ(raw.read(sizeof(RawHeader)).size(), sizeof(RawHeader));  // the first value comes
    // In place of its receipt: further arguments, as an Exchange hands them to a reusable
    // worker, and a stop request. Then it leaves. The server drops it at the first of them, so
    // the second may find the connection closed already.
    std::string arguments;
    detail::encode(std::tuple<int>(99), arguments);
    raw.write_frame(1, arguments);
    static_cast<void>(raw.try_write_frame(4, ""));
  }
  Channel next = connect_persistent(where);
  EXPECT_EQ(next.receive<int>(), 5);
  EXPECT_EQ(next.receive<int>(), 6);
  EXPECT_THROW(static_cast<void>(next.receive<int>()), ChannelClosed);
  std::ifstream file(runs);
  std::stringstream lines;
  lines << file.rdbuf();
  EXPECT_EQ(lines.str(), "run 5\n") << "the background function ran other than once, as started";
}

// --- One client at a time, and nobody blocked -------------------------------------------

TEST_F(PersistentTest, AClientThatHoldsAValueWithoutAcknowledgingItIsNamedToTheNextClient) {
  const std::string where = address("task.socket");
  start(where, MakeParallel(square), 3).close();
  RawConnection holder(where);
  holder.write(bytes_of(RawHello{}));
  ASSERT_EQ(holder.read(sizeof(RawHello)).size(), sizeof(RawHello));
  ASSERT_EQ(holder.read(sizeof(RawHeader)).size(), sizeof(RawHeader));  // its value comes
  // It never acknowledges it (a client stopped with Ctrl-Z): the next is told who holds it.
  try {
    static_cast<void>(connect_persistent(where, 10s));
    ADD_FAILURE() << "a second client was served while the first held the value";
  } catch (const Busy& e) {
    EXPECT_EQ(e.holder(), ::getpid());
    const std::string what = e.what();
    EXPECT_NE(what.find("serves another client, process " + std::to_string(::getpid())),
              std::string::npos)
        << what;
    EXPECT_NE(what.find(where), std::string::npos) << what;
  }
  // Once the first has gone, the value is the next client's.
  holder.finish_writing();
  std::optional<int> value;
  EXPECT_TRUE(eventually(
      [&] {
        try {
          value = connect_persistent(where).receive<int>();
          return true;
        } catch (const Busy&) {
          return false;
        }
      },
      20s));
  EXPECT_EQ(value, 9);
}

TEST_F(PersistentTest, AClientThatDoesNotAcknowledgeInTimeIsDroppedAndTheValueIsTheNextClients) {
  const std::string where = address("task.socket");
  {
    const ScopedVariable timeout("PPROCESS_RECEIPT_TIMEOUT", "0.5");
    start(where, MakeParallel(square), 4).close();
  }
  RawConnection holder(where);
  holder.write(bytes_of(RawHello{}));
  ASSERT_EQ(holder.read(sizeof(RawHello)).size(), sizeof(RawHello));
  ASSERT_EQ(holder.read(sizeof(RawHeader)).size(), sizeof(RawHeader));  // its value comes
  // Stopped, it never acknowledges: past the bound the server drops it...
  EXPECT_EQ(holder.read_all().size(), sizeof(int)) << "the rest of the frame, then end-of-file";
  // ...and the value waits for the next client.
  EXPECT_EQ(connect_persistent(where).receive<int>(), 16);
}

TEST_F(PersistentTest, TheWorkersSendsReturnWhileAClientIsConnectedButNotReading) {
  const std::string where = address("task.socket");
  const std::string sent = address("sent");
  start(where, [sent](Channel& channel) {
    for (int k = 0; k < 5; ++k) {
      channel.send(k);
      append_line(sent, "sent " + std::to_string(k));
    }
  }).close();
  RawConnection idle(where);
  idle.write(bytes_of(RawHello{}));
  ASSERT_EQ(idle.read(sizeof(RawHello)).size(), sizeof(RawHello));
  // It reads nothing more and acknowledges nothing: the server takes the worker's values all
  // the same.
  EXPECT_TRUE(eventually([&] { return lines_in(sent) == 5; }, 20s))
      << lines_in(sent) << " of 5 sends returned";
}

TEST_F(PersistentTest, ConnectionsThatSayNothingHoldUpNoClient) {
  const std::string where = address("task.socket");
  start(where, MakeParallel(square), 5).close();
  // Connected, and never a word: each is dropped on its own deadline, meanwhile others are served.
  std::vector<std::unique_ptr<RawConnection>> silent;
  for (int i = 0; i < 3; ++i) silent.push_back(std::make_unique<RawConnection>(where));
  EXPECT_EQ(connect_persistent(where, 10s).receive<int>(), 25);
}

TEST_F(PersistentTest, ABadReceiptTimeoutInTheEnvironmentIsAnErrorNamingIt) {
  const std::string where = address("task.socket");
  const ScopedVariable timeout("PPROCESS_RECEIPT_TIMEOUT", "soon");
  try {
    start(where, MakeParallel(square), 1).close();
    ADD_FAILURE() << "a receipt timeout of 'soon' was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("PPROCESS_RECEIPT_TIMEOUT is 'soon'"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(exists(where));
}

// --- Exchanges of background processes -----------------------------------------------------

/// The most memory process `pid` has held so far, in bytes (VmHWM); -1 when unknown.
long long peak_memory_of(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}

TEST_F(PersistentTest, AClientThatFloodsInsteadOfAcknowledgingCostsTheServerNoMemory) {
  const std::string where = address("task.socket");
  Channel starter = start(where, [](Channel& channel) { channel.send(1); });
  const pid_t server = starter.pid();
  starter.close();
  const long long before = peak_memory_of(server);
  ASSERT_GT(before, 0);
  {
    RawConnection raw(where);
    raw.write(bytes_of(RawHello{}));
    ASSERT_EQ(raw.read(sizeof(RawHello)).size(), sizeof(RawHello));
    ASSERT_EQ(raw.read(sizeof(RawHeader)).size(), sizeof(RawHeader));  // the value comes
    // In place of its receipt, 256 MiB of values, for as long as the server takes them.
    const std::string payload(1 << 20, 'x');
    RawHeader header;
    header.length = payload.size();
    const std::string frame = bytes_of(header) + payload;
    for (int i = 0; i < 256 && raw.try_write(frame); ++i) {
    }
  }
  EXPECT_LT(peak_memory_of(server) - before, 32LL << 20)
      << "the server kept what it was flooded with";
  EXPECT_EQ(connect_persistent(where).receive<int>(), 1) << "the value waits for the next client";
}

TEST_F(PersistentTest, AnExchangeWatchesAConnectionUntilItsEndOfFileNotUntilItIsIdle) {
  const std::string where = address("task.socket");
  start(where, [](Channel& channel) {
    std::this_thread::sleep_for(200ms);  // an idle connection meanwhile
    channel.send(1);
    channel.send(2);
  }).close();
  std::vector<int> got;
  Exchange exchange({}, [&](Channel& channel) { got.push_back(channel.receive<int>()); });
  exchange.add(connect_persistent(where));
  exchange.finish();
  EXPECT_EQ(got, (std::vector{1, 2}));
}

TEST_F(PersistentTest, APersistentQueueConnectedToTenBackgroundTasksCollectsTheirTenResults) {
  std::vector<std::string> addresses;
  std::vector<pid_t> servers;
  for (int i = 0; i < 10; ++i) {
    addresses.push_back(address("task-" + std::to_string(i) + ".socket"));
    BackgroundCallable task(addresses.back(), MakeParallel(square));
    servers.push_back(remember(task(i)));
  }
  PersistentQueue<int> queue({.limit = 10});
  for (const std::string& where : addresses) queue.connect(where);
  std::vector<int> results(queue.begin(), queue.end());
  std::sort(results.begin(), results.end());
  EXPECT_EQ(results, (std::vector{0, 1, 4, 9, 16, 25, 36, 49, 64, 81}));
  for (const std::string& where : addresses) EXPECT_FALSE(exists(where)) << where;
  for (const pid_t pid : servers) EXPECT_TRUE(eventually([pid] { return gone(pid); })) << pid;
}

TEST_F(PersistentTest, APersistentQueueQueuesStartsBeyondItsLimitWithTheirAddresses) {
  PersistentQueue<int> queue({.limit = 2});
  std::vector<std::string> addresses;
  for (int i = 0; i < 6; ++i) {
    addresses.push_back(address("task-" + std::to_string(i) + ".socket"));
    queue.start(
        addresses.back(),
        [servers = servers_file_](Channel& channel, int x) {
          note_server(servers);
          channel.send(x * x);
        },
        i);
  }
  EXPECT_EQ(queue.active(), 2U);
  std::vector<int> results(queue.begin(), queue.end());
  std::sort(results.begin(), results.end());
  EXPECT_EQ(results, (std::vector{0, 1, 4, 9, 16, 25}));
  for (const std::string& where : addresses) EXPECT_FALSE(exists(where)) << where;
}

TEST_F(PersistentTest, APersistentExchangeGoneBeforeItsTaskDeliveredLeavesTheResultToANewOne) {
  const std::string where = address("task.socket");
  {
    PersistentExchange first({.limit = 1},
                             [](Channel&) { ADD_FAILURE() << "stored by the first"; });
    auto ptask = first.manage(where, MakeParallel([servers = servers_file_] {
                                note_server(servers);
                                return std::string("done");
                              }));
    ptask();
    EXPECT_EQ(first.active(), 1U);
  }
  std::string collected;
  PersistentExchange second({.limit = 1},
                            [&](Channel& channel) { collected = channel.receive<std::string>(); });
  second.connect(where);
  second.finish();
  EXPECT_EQ(collected, "done");
  EXPECT_FALSE(exists(where));
}

/// CPU seconds this process has used so far.
double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

TEST_F(PersistentTest, ATaskPastItsDeadlineIsTimedOutWithoutSpinningAndItsResultWaitsForALaterOne) {
  const std::string where = address("slow.socket");
  PersistentQueue<int> queue({.limit = 1, .task_timeout = 300ms});
  queue.start(where, MakeParallel([servers = servers_file_] {
                note_server(servers);
                std::this_thread::sleep_for(2s);
                return 7;
              }));
  const double cpu_before = cpu_seconds();
  const auto began = std::chrono::steady_clock::now();
  try {
    static_cast<void>(queue.next());
    FAIL() << "expected TimedOut";
  } catch (const TimedOut& e) {
    EXPECT_EQ(e.task(), 0U);
    EXPECT_GE(e.elapsed(), 300ms);
  }
  const std::chrono::duration<double> waited = std::chrono::steady_clock::now() - began;
  // Waiting in poll costs next to nothing; polling with a deadline already past costs it all.
  EXPECT_LT(cpu_seconds() - cpu_before, 0.5 * waited.count() + 0.05) << "it spun while waiting";
  EXPECT_FALSE(queue.next().has_value());
  // Nobody here owns the background process: it goes on, and keeps its result for a later client.
  EXPECT_EQ(connect_persistent(where).receive<int>(), 7);
}

TEST_F(PersistentTest, AStartThatCannotBeMadeIsReportedAtItsTaskAndTheRestGoOn) {
  const std::string taken = address("taken.socket");
  const std::string file = address("file");
  append_line(file, "not a socket");
  PersistentQueue<int> queue({.limit = 2});
  const auto send = [servers = servers_file_](Channel& channel, int x) {
    note_server(servers);
    channel.send(x);
  };
  queue.start(taken, send, 1);
  queue.start(taken, send, 2);  // while the first still serves there
  queue.start(file, send, 3);   // queued, and failing when its turn comes
  queue.start(address("free.socket"), send, 4);
  std::vector<int> values;
  std::vector<std::string> failures;
  for (;;) {
    try {
      const std::optional<int> value = queue.next();
      if (!value) break;
      values.push_back(*value);
    } catch (const RemoteError& e) {
      EXPECT_EQ(e.type_name(), "std::system_error");
      failures.push_back(e.message());
    }
  }
  std::sort(values.begin(), values.end());
  EXPECT_EQ(values, (std::vector{1, 4}));
  ASSERT_EQ(failures.size(), 2U);
  std::sort(failures.begin(), failures.end());
  EXPECT_NE(failures[0].find("'" + file + "' exists and is not a socket"), std::string::npos)
      << failures[0];
  EXPECT_NE(failures[1].find("a process listens at '" + taken + "'"), std::string::npos)
      << failures[1];
}

TEST_F(PersistentTest, PersistentCreateForksBackgroundProcessesWithinTheLimit) {
  PersistentQueue<int> queue({.limit = 2});
  for (int i = 0; i < 3; ++i) {
    if (std::optional<Channel> channel = queue.create(address("task-" + std::to_string(i)))) {
      note_server(servers_file_);
      channel->send(100 + i);
      pprocess::exit(*channel);
    }
    EXPECT_LE(queue.active(), 2U);
  }
  std::vector<int> results(queue.begin(), queue.end());
  std::sort(results.begin(), results.end());
  EXPECT_EQ(results, (std::vector{100, 101, 102}));
}

TEST_F(PersistentTest, APersistentExchangeRejectsReuse) {
  EXPECT_THROW(PersistentQueue<int>({.reuse = true}), std::invalid_argument);
}

// --- Background processes ------------------------------------------------------------------

TEST_F(BackgroundTest, ABackgroundQueueHandsOutWhatABackgroundCallableSendsAsItArrives) {
  const std::string where = address("task.socket");
  BackgroundCallable task(where, [](Channel& channel) {
    for (int k = 0; k < 3; ++k) channel.send(k);
  });
  remember(task());
  BackgroundQueue<int> queue(where);
  const std::vector<int> got(queue.begin(), queue.end());
  EXPECT_EQ(got, (std::vector{0, 1, 2}));
  EXPECT_FALSE(exists(where));
}

TEST_F(BackgroundTest, HasASessionOfItsOwnDevNullForItsStreamsAndNoneOfItsStartersChannels) {
  // A channel of the starter's: the background process must not hold it.
  Child sibling =
      pprocess::start([](Channel& channel) { static_cast<void>(channel.receive<int>()); });
  const std::string siblings_socket = link_of("/proc/self/fd/" + std::to_string(sibling.fileno()));
  ASSERT_EQ(siblings_socket.rfind("socket:", 0), 0U) << siblings_socket;

  Channel channel = start(address("task.socket"), [](Channel& c) { c.send(look_around()); });
  const pid_t server = channel.pid();
  const std::string proc = "/proc/" + std::to_string(server);
  for (int fd = 0; fd <= 2; ++fd) {
    EXPECT_EQ(link_of(proc + "/fd/" + std::to_string(fd)), "/dev/null") << "descriptor " << fd;
  }
  for (const std::string& link : descriptors_of(std::to_string(server))) {
    EXPECT_NE(link, siblings_socket) << "the server holds its starter's channel";
  }
  EXPECT_NE(::getsid(server), ::getsid(0));
  EXPECT_NE(::getpgid(server), ::getpgrp());

  const Surroundings worker = channel.receive<Surroundings>();
  EXPECT_EQ(worker.standard_streams, (std::vector<std::string>(3, "/dev/null")));
  for (const std::string& link : worker.descriptors) {
    EXPECT_NE(link, siblings_socket) << "the worker holds its starter's channel";
  }
  EXPECT_TRUE(worker.writes_succeed);
  EXPECT_TRUE(worker.reads_end);
  EXPECT_EQ(worker.session, ::getsid(server));
  sibling.send(0);
}

TEST_F(BackgroundTest, SurvivesSighupToItsStartersProcessGroupAndItsStartersDeath) {
  const std::string where = address("task.socket");
  // The starter leads a process group of its own, which is hung up on while it waits.
  Child starter = pprocess::start([where](Channel& channel) {
    if (::setpgid(0, 0) != 0) throw std::system_error(errno, std::generic_category(), "setpgid");
    channel.send(start_persistent(where, MakeParallel(square), 11).pid());
    ::pause();
  });
  const pid_t background = remember(starter.receive<pid_t>());
  ASSERT_EQ(::kill(-starter.pid(), SIGHUP), 0);
  EXPECT_EQ(starter.wait().signal, SIGHUP);
  EXPECT_FALSE(gone(background));
  EXPECT_EQ(connect_persistent(where).receive<int>(), 121);
}

TEST_F(BackgroundTest, ATaskThatThrowsReachesItsCollectorAsRemoteError) {
  const std::string where = address("task.socket");
  start(where, MakeParallel([]() -> int { throw std::invalid_argument("no such cell"); })).close();
  Channel connection = connect_persistent(where);
  try {
    static_cast<void>(connection.receive<int>());
    ADD_FAILURE() << "a value where the task threw";
  } catch (const RemoteError& e) {
    EXPECT_EQ(e.type_name(), "std::invalid_argument");
    EXPECT_EQ(e.message(), "no such cell");
    EXPECT_EQ(e.pid(), connection.pid());
  }
  EXPECT_THROW(static_cast<void>(connection.receive<int>()), ChannelClosed);
  EXPECT_FALSE(exists(where));
}

TEST_F(BackgroundTest, AnErrorReportIsTheNextClientsWhenTheFirstLeavesWithoutReadingIt) {
  const std::string where = address("task.socket");
  start(where, [](Channel&) { throw std::out_of_range("row 11"); }).close();
  {
    RawConnection raw(where);
    raw.write(bytes_of(RawHello{}));
    ASSERT_EQ(raw.read(sizeof(RawHello)).size(), sizeof(RawHello));
    const std::string header = raw.read(sizeof(RawHeader));
    ASSERT_EQ(header.size(), sizeof(RawHeader));
    EXPECT_EQ(header[4], 2) << "not an error report";
  }  // gone before the report's payload, and without acknowledging it
  Channel next = connect_persistent(where);
  try {
    static_cast<void>(next.receive<int>());
    ADD_FAILURE() << "a value where the task threw";
  } catch (const RemoteError& e) {
    EXPECT_EQ(e.type_name(), "std::out_of_range");
    EXPECT_EQ(e.message(), "row 11");
  }
  EXPECT_THROW(static_cast<void>(next.receive<int>()), ChannelClosed);
}

TEST_F(BackgroundTest, OneKilledLeavesNobodyListeningAndItsFileIsReplacedByTheNextStart) {
  const std::string where = address("task.socket");
  const std::pair<pid_t, pid_t> started = start_idle(where);
  const pid_t server = started.first;
  const pid_t worker = started.second;
  ASSERT_EQ(::kill(server, SIGKILL), 0);
  ASSERT_TRUE(eventually([server] { return gone(server); }));
  EXPECT_TRUE(eventually([worker] { return gone(worker); })) << "the worker outlived its server";
  EXPECT_TRUE(exists(where));
  try {
    static_cast<void>(connect_persistent(where));
    ADD_FAILURE() << "a connection to a killed process";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ECONNREFUSED) << e.what();
    EXPECT_NE(std::string(e.what()).find("nobody listens at '" + where + "'"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(start(where, MakeParallel(square), 3).receive<int>(), 9);
}

TEST_F(BackgroundTest, AWorkerThatDiesBeforeDeliveringIsReportedAsProcessDied) {
  const std::string where = address("task.socket");
  start(where, [](Channel&) { ::raise(SIGKILL); }).close();
  Channel connection = connect_persistent(where);
  try {
    static_cast<void>(connection.receive<int>());
    ADD_FAILURE() << "a value from a process that died";
  } catch (const RemoteError& e) {
    EXPECT_EQ(e.type_name(), "pprocess::ProcessDied");
    EXPECT_NE(e.message().find("signal 9"), std::string::npos) << e.message();
  }
  EXPECT_THROW(static_cast<void>(connection.receive<int>()), ChannelClosed);
}

TEST_F(BackgroundTest, KeepsNoDescriptorOfItsStartersSoAPipeItInheritedReachesEndOfFile) {
  // As in `starter 3>&1 | cat`: a pipe the starter has, not close-on-exec, not a channel.
  int ends[2];
  ASSERT_EQ(::pipe(ends), 0);
  const detail::Fd reading(ends[0]);
  detail::Fd writing(ends[1]);
  Channel channel = start(address("task.socket"), MakeParallel(square), 6);
  writing.reset();  // the starter is done with it
  EXPECT_TRUE(reaches_end_of_file(reading.get(), 10s)) << "the background process keeps the pipe";
  EXPECT_EQ(channel.receive<int>(), 36);
}

TEST_F(BackgroundTest, AStartWhoseBackgroundProcessCannotMakeItsWorkerFailsAndLeavesNoSocket) {
  if (kSanitized) GTEST_SKIP() << "UBSan checks a pointer through a pipe, which needs descriptors";
  // Five descriptors: the starter's three streams, its listener and its connection. The
  // background process, down to its streams and listener, has none left for its worker's channel.
  const std::string where = address("task.socket");
  const pid_t starter = ::fork();
  ASSERT_GE(starter, 0);
  if (starter == 0) {
    ::close_range(3, ~0U, 0);
    const rlimit five{5, 5};
    if (::setrlimit(RLIMIT_NOFILE, &five) != 0) ::_exit(10);
    try {
      Channel channel = start_persistent(where, MakeParallel(square), 6);
      ::_exit(channel.receive<int>() == 36 ? 11 : 12);  // it started after all: not this test
    } catch (const ChannelClosed& e) {
      const std::string what = e.what();
      ::_exit(what.find("ended before it could serve") != std::string::npos &&
                      what.find(where) != std::string::npos
                  ? 0
                  : 13);
    } catch (...) {
      ::_exit(14);
    }
  }
  int status = 0;
  ASSERT_EQ(::waitpid(starter, &status, 0), starter);
  ASSERT_TRUE(WIFEXITED(status));
  // 0: start_persistent threw, naming the address; 11: the start was reported as made.
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(eventually([&] { return !std::filesystem::exists(where); }, 10s))
      << "the failed start left its socket file";
}

TEST_F(BackgroundTest, WorksInTheRootDirectoryAndStillRemovesItsSocketGivenARelativeAddress) {
  const std::filesystem::path previous = std::filesystem::current_path();
  ASSERT_EQ(::chdir(directory_.c_str()), 0);
  struct Back {
    std::filesystem::path to;
    ~Back() {
      std::error_code ignored;
      std::filesystem::current_path(to, ignored);
    }
  } back{previous};
  Channel channel = start("task.socket", [](Channel& c) {
    std::array<char, PATH_MAX> here{};
    c.send(std::string(::getcwd(here.data(), here.size()) != nullptr ? here.data() : "?"));
  });
  // Neither keeps the starter's directory busy.
  EXPECT_EQ(link_of("/proc/" + std::to_string(channel.pid()) + "/cwd"), "/");
  EXPECT_EQ(channel.receive<std::string>(), "/");
  // It ends, removing the socket it made in the starter's directory, then closes the connection.
  EXPECT_THROW(static_cast<void>(channel.receive<int>()), ChannelClosed);
  EXPECT_FALSE(exists(address("task.socket")));
}

TEST_F(BackgroundTest, EndsWithItsWorkerOnceItsSocketFileIsRemoved) {
  const std::string where = address("task.socket");
  const std::pair<pid_t, pid_t> started = start_idle(where);
  const pid_t server = started.first;
  const pid_t worker = started.second;
  ASSERT_EQ(::unlink(where.c_str()), 0);
  // Nobody can reach it any more: it notices within seconds.
  EXPECT_TRUE(eventually([server] { return gone(server); }, 20s)) << "it lives on, unreachable";
  EXPECT_TRUE(eventually([worker] { return gone(worker); }, 10s)) << "its worker lives on";
}

TEST_F(BackgroundTest, EndsOnceItsSocketFileIsReplacedAndLeavesTheNewFileAlone) {
  const std::string where = address("task.socket");
  const pid_t server = start_idle(where).first;
  ASSERT_EQ(::unlink(where.c_str()), 0);
  append_line(where, "another file");
  EXPECT_TRUE(eventually([server] { return gone(server); }, 20s)) << "it lives on, unreachable";
  std::ifstream file(where);
  std::string line;
  std::getline(file, line);
  EXPECT_EQ(line, "another file");
}

}  // namespace
}  // namespace pprocess
