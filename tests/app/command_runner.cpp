// Runs the pygmy command as a user would, for the end-to-end tests: in a scratch directory, its
// output captured, with the environment, ignored signals and limits a shell would give it.
#include "command_runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

extern char** environ;

namespace pygmy::app::test {

namespace fs = std::filesystem;

char state_of(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
  if (!std::getline(stat, line) || line.rfind(')') + 2 >= line.size()) {
    return '\0';
  }
  return line[line.rfind(')') + 2];
}

bool alive(pid_t pid) {
  const char state = state_of(pid);
  return state != '\0' && state != 'Z';
}

std::set<pid_t> children_of(pid_t pid) {
  std::set<pid_t> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) {
      continue;
    }
    std::istringstream rest(line.substr(line.rfind(')') + 1));
    std::string state;
    pid_t parent = 0;
    if (rest >> state >> parent && parent == pid && state != "Z") {
      found.insert(std::stoi(name));
    }
  }
  return found;
}

std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t line_count(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::string shown(const std::vector<std::string>& args) {
  std::string line;
  for (const std::string& arg : args) {
    line += (line.empty() ? "" : " ") + arg;
  }
  return line;
}

Command::Command(const fs::path& dir, std::vector<std::string> args, const Launch& launch)
    : dir_(dir) {
  args.insert(args.begin(), PYGMY_COMMAND);
  std::vector<char*> argv;
  for (std::string& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string name = std::string(*entry).substr(0, std::string(*entry).find('=') + 1);
    if (std::none_of(launch.environment.begin(), launch.environment.end(),
                     [&name](const std::string& set) { return set.rfind(name, 0) == 0; })) {
      environment.emplace_back(*entry);
    }
  }
  environment.insert(environment.end(), launch.environment.begin(), launch.environment.end());
  std::vector<char*> envp;
  for (std::string& entry : environment) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);
  const std::string out = dir / "out.txt";
  const std::string err = dir / "err.txt";
  std::fflush(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) {
    throw std::runtime_error("cannot start " + std::string(PYGMY_COMMAND));
  }
  if (pid_ == 0) {
    // Only async-signal-safe calls from here on: the test may have other threads.
    const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (in < 0 || out_fd < 0 || err_fd < 0 || ::dup2(in, STDIN_FILENO) < 0 ||
        ::dup2(out_fd, STDOUT_FILENO) < 0 || ::dup2(err_fd, STDERR_FILENO) < 0 ||
        ::chdir(dir.c_str()) != 0) {
      ::_exit(127);
    }
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    for (int signal : launch.ignored) {
      ::sigaction(signal, &ignore, nullptr);
    }
    // No core file in the scratch directory from a test that sends SIGQUIT.
    const rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    if (launch.address_space) {
      const rlimit limit{*launch.address_space, *launch.address_space};
      ::setrlimit(RLIMIT_AS, &limit);
    }
    if (launch.open_files) {
      // Exactly the three streams, whatever the test's runner left open without close-on-exec,
      // so that a limit counts what the command opens itself.
      ::close_range(3, ~0U, 0);
      const rlimit limit{*launch.open_files, *launch.open_files};
      ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    ::execve(PYGMY_COMMAND, argv.data(), envp.data());
    ::_exit(127);
  }
}

Command::~Command() {
  if (!status_) {
    ::kill(pid_, SIGKILL);
    static_cast<void>(reap(true));
  }
}

std::set<pid_t> Command::children() const { return children_of(pid_); }

bool Command::running() { return !status_ && !reap(false); }

Outcome Command::wait(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!status_) {
    ADD_FAILURE() << "the command was still running after " << limit.count() << " ms";
    ::kill(pid_, SIGKILL);
    static_cast<void>(reap(true));
  }
  Outcome outcome;
  if (WIFEXITED(*status_)) {
    outcome.exit_code = WEXITSTATUS(*status_);
  }
  if (WIFSIGNALED(*status_)) {
    outcome.signal = WTERMSIG(*status_);
  }
  outcome.out = slurp(dir_ / "out.txt");
  outcome.err = slurp(dir_ / "err.txt");
  return outcome;
}

bool Command::reap(bool block) {
  int status = 0;
  pid_t reaped = 0;
  do {
    reaped = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  if (reaped == pid_) {
    status_ = status;
  }
  return reaped == pid_;
}

void ScratchDirectoryTest::SetUp() {
  // The pid keeps two runs of this binary at once (two builds' ctest) out of each other's way.
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  dir_ = fs::path(::testing::TempDir()) /
         ("pygmy_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
  fs::remove_all(dir_);
  fs::create_directories(dir_);
}

void ScratchDirectoryTest::TearDown() { fs::remove_all(dir_); }

Outcome ScratchDirectoryTest::run(std::vector<std::string> args, const Launch& launch) {
  return Command(dir_, std::move(args), launch).wait();
}

std::vector<std::string> ScratchDirectoryTest::left_behind() const {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename();
    if (name != "out.txt" && name != "err.txt") {
      names.push_back(name);
    }
  }
  return names;
}

}  // namespace pygmy::app::test
