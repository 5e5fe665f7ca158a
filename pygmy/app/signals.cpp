// Signal handling of the pygmy command: remove the temporaries, say what was left undone, then
// die of the signal.
#include "signals.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace pygmy::app {
namespace {

// What the handler below removes and says (nullptr: nothing), and the process whose files and
// words they are. Globals because a signal handler can reach nothing else; atomics because it
// may run between any two statements.
std::array<std::atomic<const char*>, RemoveOnSignal::kMostTemporaries> temporaries_to_remove{};
std::atomic<const char*> message_to_say{nullptr};
std::atomic<pid_t> handler_owner{0};

// The name of a stopping signal, for the message.
const char* name_of(int signal) {
  switch (signal) {
    case SIGHUP:
      return "SIGHUP";
    case SIGINT:
      return "SIGINT";
    case SIGQUIT:
      return "SIGQUIT";
    case SIGTERM:
      return "SIGTERM";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGUSR2:
      return "SIGUSR2";
    case SIGALRM:
      return "SIGALRM";
    case SIGXCPU:
      return "SIGXCPU";
    default:
      return "a signal";
  }
}

// Writes `text` on standard error from a signal handler (write is async-signal-safe).
void say(const char* text) {
  std::size_t left = std::strlen(text);
  while (left > 0) {
    const ssize_t put = ::write(STDERR_FILENO, text, left);
    if (put < 0 && errno == EINTR) {
      continue;
    }
    if (put <= 0) {
      return;
    }
    text += put;
    left -= static_cast<std::size_t>(put);
  }
}

void stop_on_signal(int signal) {
  // Workers forked during rendering inherit this handler: only the owner removes or says.
  if (::getpid() == handler_owner.load()) {
    for (const std::atomic<const char*>& temporary : temporaries_to_remove) {
      if (const char* path = temporary.load(); path != nullptr) {
        ::unlink(path);
      }
    }
    if (const char* message = message_to_say.load(); message != nullptr) {
      say("pygmy: ");
      say(name_of(signal));
      say(": ");
      say(message);
      say("\n");
    }
  }
  ::signal(signal, SIG_DFL);
  ::raise(signal);  // delivered on return, so the command still dies of the signal
}

// Catches each of kStoppingSignals whose action is still the default with stop_on_signal; the
// signals replaced, with their previous actions. One ignored (nohup) stays ignored, one another
// handler took stays with it, and one stop_on_signal already catches is left as it is.
std::vector<std::pair<int, struct sigaction>> catch_stopping_signals() {
  handler_owner = ::getpid();
  struct sigaction action {};
  action.sa_handler = stop_on_signal;
  sigemptyset(&action.sa_mask);
  std::vector<std::pair<int, struct sigaction>> replaced;
  for (const int signal : kStoppingSignals) {
    struct sigaction previous {};
    if (sigaction(signal, nullptr, &previous) != 0 || (previous.sa_flags & SA_SIGINFO) != 0 ||
        previous.sa_handler != SIG_DFL) {
      continue;  // ignored, someone else's, or already caught here
    }
    sigaction(signal, &action, nullptr);
    replaced.emplace_back(signal, previous);
  }
  return replaced;
}

void restore(const std::vector<std::pair<int, struct sigaction>>& replaced) {
  for (const auto& [signal, previous] : replaced) {
    sigaction(signal, &previous, nullptr);
  }
}

}  // namespace

RemoveOnSignal::RemoveOnSignal(std::vector<std::filesystem::path> temporaries)
    : temporaries_(std::move(temporaries)) {
  if (temporaries_.size() > kMostTemporaries) {
    throw std::invalid_argument("RemoveOnSignal: more than " + std::to_string(kMostTemporaries) +
                                " temporaries");
  }
  for (std::size_t i = 0; i < temporaries_.size(); ++i) {
    temporaries_to_remove[i] = temporaries_[i].empty() ? nullptr : temporaries_[i].c_str();
  }
  replaced_ = catch_stopping_signals();
}

RemoveOnSignal::~RemoveOnSignal() {
  restore(replaced_);
  for (std::atomic<const char*>& temporary : temporaries_to_remove) {
    temporary = nullptr;
  }
}

SayOnSignal::SayOnSignal(std::string message) : message_(std::move(message)) {
  message_to_say = message_.c_str();
  replaced_ = catch_stopping_signals();
}

SayOnSignal::~SayOnSignal() {
  restore(replaced_);
  message_to_say = nullptr;
}

SignalsHeld::SignalsHeld() {
  sigset_t held;
  sigemptyset(&held);
  for (const int signal : kStoppingSignals) {
    sigaddset(&held, signal);
  }
  sigprocmask(SIG_BLOCK, &held, &previous_);
}

SignalsHeld::~SignalsHeld() { sigprocmask(SIG_SETMASK, &previous_, nullptr); }

}  // namespace pygmy::app
