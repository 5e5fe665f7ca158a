// create, start, exit and waitall, and the fork discipline: no output printed twice.
#include "pprocess/process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "fork_test.hpp"

namespace pprocess {
namespace {

class ProcessTest : public testing::ForkTest {};

std::size_t count(const std::string& text, const std::string& word) {
  std::size_t n = 0;
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++n;
  return n;
}

TEST_F(ProcessTest, CreateGivesEachSideAChannelToTheOther) {
  Channel channel = create();
  if (channel.pid() == 0) {
    channel.send(static_cast<int>(::getpid()));
    pprocess::exit(channel);
  }
  EXPECT_EQ(channel.receive<int>(), channel.pid());
  channel.close();
  EXPECT_EQ(channel.exit_status()->exit_code, 0);
}

TEST_F(ProcessTest, StartPassesItsArguments) {
  Channel channel =
      start([](Channel& c, int a, const std::string& b) { c.send(b + std::to_string(a)); }, 7,
            std::string("seven="));
  EXPECT_EQ(channel.receive<std::string>(), "seven=7");
}

TEST_F(ProcessTest, ExitWithACodeEndsTheCreatedProcessWithIt) {
  Channel channel = create();
  if (channel.pid() == 0) pprocess::exit(channel, 9);
  channel.close();
  EXPECT_EQ(channel.exit_status()->exit_code, 9);
}

TEST_F(ProcessTest, BufferedOutputIsPrintedOnceAfterForking) {
  const std::string path = ::testing::TempDir() + "/pprocess_output_once.txt";
  // A created process plays the program under test, so this test's own stdout stays untouched.
  Channel harness = start(
      [](Channel& c, const std::string& file) {
        const int out = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ::dup2(out, STDOUT_FILENO);
        ::close(out);
        std::setvbuf(stdout, nullptr, _IOFBF, 1 << 16);
        std::printf("before fork\n");  // still in the buffer when start forks
        Channel child = start([](Channel& cc) {
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
  Channel a = start([](Channel&) {});
  Channel b = start([](Channel&) {});
  waitall();
  for (const Channel* channel : {&a, &b}) {
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
  Channel middle = start([](Channel& c) {
    Channel grandchild = start([](Channel&) { ::sleep(60); });
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

}  // namespace
}  // namespace pprocess
