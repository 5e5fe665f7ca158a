// create, start, exit and waitall, and the fork discipline: no output printed twice.
#include "pprocess/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <type_traits>

#include <gtest/gtest.h>

#include "fork_test.hpp"
#include "sanitized.hpp"

namespace pprocess {
namespace {

class ProcessTest : public testing::ForkTest {};

std::size_t count(const std::string& text, const std::string& word) {
  std::size_t n = 0;
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++n;
  return n;
}

TEST_F(ProcessTest, CreateGivesEachSideAChannelToTheOther) {
  Child channel = create();
  if (channel.pid() == 0) {
    channel.send(static_cast<int>(::getpid()));
    pprocess::exit(channel);
  }
  EXPECT_EQ(channel.receive<int>(), channel.pid());
  channel.close();
  EXPECT_EQ(channel.exit_status()->exit_code, 0);
}

TEST_F(ProcessTest, StartPassesItsArguments) {
  Child channel =
      start([](Channel& c, int a, const std::string& b) { c.send(b + std::to_string(a)); }, 7,
            std::string("seven="));
  EXPECT_EQ(channel.receive<std::string>(), "seven=7");
}

TEST_F(ProcessTest, ExitWithACodeEndsTheCreatedProcessWithIt) {
  Child channel = create();
  if (channel.pid() == 0) pprocess::exit(channel, 9);
  channel.close();
  EXPECT_EQ(channel.exit_status()->exit_code, 9);
}

TEST_F(ProcessTest, BufferedOutputIsPrintedOnceAfterForking) {
  const std::string path = ::testing::TempDir() + "/pprocess_output_once.txt";
  // A created process plays the program under test, so this test's own stdout stays untouched.
  Child harness = start(
      [](Channel& c, const std::string& file) {
        const int out = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ::dup2(out, STDOUT_FILENO);
        ::close(out);
        std::setvbuf(stdout, nullptr, _IOFBF, 1 << 16);
        std::printf("before fork\n");  // still in the buffer when start forks
        Child child = start([](Channel& cc) {
          std::printf("in child\n");
          cc.send(1);
        });
        static_cast<void>(child.receive<int>());
        child.close();
        std::printf("after child\n");
        c.send(0);
      },
      path);
  static_cast<void>(harness.receive<int>());
  harness.close();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(count(text.str(), "before fork"), 1U) << text.str();
  EXPECT_EQ(count(text.str(), "in child"), 1U) << text.str();
  EXPECT_EQ(count(text.str(), "after child"), 1U) << text.str();
  std::remove(path.c_str());
}

TEST_F(ProcessTest, WaitallReapsEveryChild) {
  Child a = start([](Channel&) {});
  Child b = start([](Channel&) {});
  waitall();
  for (const Child* channel : {&a, &b}) {
    errno = 0;
    EXPECT_EQ(::waitpid(channel->pid(), nullptr, WNOHANG), -1) << "not reaped by waitall";
    EXPECT_EQ(errno, ECHILD);
  }
  a.close();  // already reaped: its status is unknown, and closing does not wait
  b.close();
  EXPECT_TRUE(a.exit_status().has_value());
}

TEST_F(ProcessTest, TheCreatedProcessDiesWithItsCreator) {
  // A middle process creates a grandchild that would sleep for a minute, reports its pid, and is
  // killed; the grandchild must follow it.
  Child middle = start([](Channel& c) {
    Child grandchild = start([](Channel&) { ::sleep(60); });
    c.send(static_cast<int>(grandchild.pid()));
    ::pause();
  });
  const int grandchild = middle.receive<int>();
  ::kill(middle.pid(), SIGKILL);
  middle.close();
  // Gone means no such process, or a zombie waiting for init to reap it.
  const auto gone_or_zombie = [&] {
    std::ifstream stat("/proc/" + std::to_string(grandchild) + "/stat");
    std::string pid, name, state;
    return !(stat >> pid >> name >> state) || state == "Z";
  };
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = gone_or_zombie();
    if (!gone) ::usleep(10'000);
  }
  EXPECT_TRUE(gone) << "grandchild " << grandchild << " outlived its creator";
}

/// What a created process finds of its creator's signal setup: the disposition of SIGUSR1,
/// SIGHUP and SIGCHLD (0 default, 1 ignored, 2 a handler) and whether SIGUSR2 is blocked.
struct SignalSetup {
  int usr1 = -1;
  int hup = -1;
  int chld = -1;
  bool usr2_blocked = true;
  template <class Archive>
  void serialize(Archive& archive) {
    archive(usr1, hup, chld, usr2_blocked);
  }
};

int disposition(int signal) {
  struct sigaction action {};
  ::sigaction(signal, nullptr, &action);
  if (action.sa_handler == SIG_DFL) return 0;
  return action.sa_handler == SIG_IGN ? 1 : 2;
}

void record_signal(int) {}

TEST_F(ProcessTest, ACreatedProcessStartsWithDefaultHandlersAndNoSignalBlocked) {
  // The creator's handlers are for the creator's state (a temporary file to remove, say): a
  // created process runs none of them, and no signal it is sent stays blocked. An ignored
  // signal stays ignored, as after exec (nohup), but for SIGCHLD: ignored, the kernel would reap
  // the created process's own children before it could learn how they ended.
  struct sigaction handler {};
  handler.sa_handler = record_signal;
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old_usr1 {};
  struct sigaction old_hup {};
  struct sigaction old_chld {};
  ASSERT_EQ(::sigaction(SIGUSR1, &handler, &old_usr1), 0);
  ASSERT_EQ(::sigaction(SIGHUP, &ignore, &old_hup), 0);
  ASSERT_EQ(::sigaction(SIGCHLD, &ignore, &old_chld), 0);
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  sigset_t old_mask;
  ASSERT_EQ(::sigprocmask(SIG_BLOCK, &usr2, &old_mask), 0);
  Child channel = start([](Channel& c) {
    sigset_t now;
    ::sigprocmask(SIG_SETMASK, nullptr, &now);
    c.send(SignalSetup{disposition(SIGUSR1), disposition(SIGHUP), disposition(SIGCHLD),
                       sigismember(&now, SIGUSR2) == 1});
  });
  // Restored before the receive: the created process cannot end (and be reaped by the kernel
  // while SIGCHLD is ignored) before its send is acknowledged.
  ::sigaction(SIGCHLD, &old_chld, nullptr);
  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGUSR1, &old_usr1, nullptr);
  ::sigaction(SIGHUP, &old_hup, nullptr);
  const auto setup = channel.receive<SignalSetup>();
  EXPECT_EQ(setup.usr1, 0) << "the creator's SIGUSR1 handler was kept";
  EXPECT_EQ(setup.hup, 1) << "an ignored signal should stay ignored";
  EXPECT_EQ(setup.chld, 0) << "an ignored SIGCHLD would hide how its children end";
  EXPECT_FALSE(setup.usr2_blocked) << "the creator's signal mask was kept";
}

TEST_F(ProcessTest, ADescriptorShortageNamesTheCallThatFailed) {
  if (kSanitized) GTEST_SKIP() << "UBSan checks a pointer through a pipe, which needs descriptors";
  // In a process of its own, whose descriptors are used up: socketpair is what fails, not fork.
  const int status = testing::status_short_of_descriptors([] {
    Child child = create();
    if (child.pid() == 0) pprocess::exit(child);
  });
  EXPECT_EQ(status, 0) << "10: no limit, 11: created, 12: the wrong call named";
}

// Child: a created process's channel and its Process.

TEST_F(ProcessTest, AChildCannotBeTurnedIntoABareChannelByAccident) {
  // A bare Channel would leave the process with nobody to wait for it.
  static_assert(!std::is_convertible_v<Child, Channel>);
  static_assert(!std::is_convertible_v<Child&, Channel&>);
  static_assert(!std::is_constructible_v<Channel, Child&&>);
  Child child = start([](Channel& c) { c.send(1); });
  EXPECT_EQ(child.receive<int>(), 1);
}

TEST_F(ProcessTest, MovingOrClosingAChannelNeverWaitsForItsProcess) {
  // The process ignores end-of-file: only its Process can end it, and only the Child does.
  Child child = start([](Channel&) {
    for (;;) ::pause();
  });
  Channel moved = std::move(child.channel());
  moved = Channel();  // closes the socket, and nothing more
  EXPECT_FALSE(child.try_wait().has_value()) << "its process was ended with its channel";
  child.process()->signal(SIGKILL);
  EXPECT_EQ(child.wait().signal, SIGKILL);
}

TEST_F(ProcessTest, DestroyingAChildClosesItsChannelBeforeWaitingForItsProcess) {
  // A created process that ends when its channel does is never stopped by the Process's policy.
  pid_t pid = 0;
  {
    Child child = start([](Channel& c) { static_cast<void>(c.receive_or_stop<int>()); });
    child.process()->set_stop(Process::Stop::wait);
    pid = child.pid();
  }
  errno = 0;
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1) << "reaped by the Child";
  EXPECT_EQ(errno, ECHILD);
}

// Process: one child, owned and reaped.

/// Forks a child that runs `body` and then ends with exit code 0.
template <class Body>
pid_t fork_running(Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    body();
    ::_exit(0);
  }
  return pid;
}

TEST_F(ProcessTest, AProcessReapsItsChildWhenItIsDestroyed) {
  const pid_t pid = fork_running([] { ::_exit(3); });
  { const Process child(pid); }
  errno = 0;
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST_F(ProcessTest, ItsDescriptorBecomesReadableWhenTheChildEnds) {
  Process child(fork_running([] { ::usleep(100'000); }));
  ASSERT_GE(child.fileno(), 0) << "this kernel has pidfds";
  pollfd entry{child.fileno(), POLLIN, 0};
  EXPECT_EQ(::poll(&entry, 1, 30'000), 1);
  const std::optional<ExitStatus> status = child.try_wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->exit_code, 0);
}

TEST_F(ProcessTest, WaitForGivesNothingWhileTheChildRunsAndTerminateEndsIt) {
  Process child(fork_running([] { ::pause(); }));
  EXPECT_FALSE(child.wait_for(std::chrono::milliseconds(50)).has_value());
  EXPECT_EQ(child.terminate().signal, SIGTERM);
}

TEST_F(ProcessTest, TerminateKillsAChildThatIgnoresSigtermAfterTheGracePeriod) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  Process child(fork_running([&] {
                  ::signal(SIGTERM, SIG_IGN);
                  static_cast<void>(::write(ready[1], "!", 1));
                  for (;;) ::pause();
                }),
                Process::Stop::terminate, std::chrono::milliseconds(200));
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);
  ::close(ready[1]);
  EXPECT_EQ(child.terminate().signal, SIGKILL);
}

TEST_F(ProcessTest, TheWaitPolicyWaitsForTheChildToEndByItself) {
  const long long began = testing::now_ns();
  {
    const Process child(fork_running([] { ::usleep(1'500'000); }), Process::Stop::wait);
  }
  EXPECT_GE(testing::now_ns() - began, 1'400'000'000LL) << "it was ended, not waited for";
}

TEST_F(ProcessTest, AChannelsPidIsItsProcesssPid) {
  Child channel = start([](Channel& c) { c.send(::getpid()); });
  ASSERT_NE(channel.process(), nullptr);
  EXPECT_EQ(channel.process()->pid(), channel.pid());
  EXPECT_EQ(channel.receive<pid_t>(), channel.pid());
}

}  // namespace
}  // namespace pprocess
