// Signal handling of the pygmy command: remove the temporaries, then die of the signal.
#include "signals.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <stdexcept>
#include <string>

namespace pygmy::app {
namespace {

// What the handler below removes (nullptr: nothing), and the process whose files they are.
// Globals because a signal handler can reach nothing else; atomics because it may run between
// any two statements.
std::array<std::atomic<const char*>, RemoveOnSignal::kMostTemporaries> temporaries_to_remove{};
std::atomic<pid_t> temporary_owner{0};

void remove_temporary_and_die(int signal) {
  // Workers forked during rendering inherit this handler: only the owner removes the file.
  if (::getpid() == temporary_owner.load()) {
    for (const std::atomic<const char*>& temporary : temporaries_to_remove) {
      if (const char* path = temporary.load(); path != nullptr) {
        ::unlink(path);
      }
    }
  }
  ::signal(signal, SIG_DFL);
  ::raise(signal);  // delivered on return, so the command still dies of the signal
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
  temporary_owner = ::getpid();
  struct sigaction action {};
  action.sa_handler = remove_temporary_and_die;
  sigemptyset(&action.sa_mask);
  for (const int signal : kStoppingSignals) {
    struct sigaction previous {};
    if (sigaction(signal, nullptr, &previous) != 0 || (previous.sa_flags & SA_SIGINFO) != 0 ||
        previous.sa_handler != SIG_DFL) {
      continue;  // ignored, or someone else's
    }
    sigaction(signal, &action, nullptr);
    replaced_.emplace_back(signal, previous);
  }
}

RemoveOnSignal::~RemoveOnSignal() {
  for (const auto& [signal, previous] : replaced_) {
    sigaction(signal, &previous, nullptr);
  }
  for (std::atomic<const char*>& temporary : temporaries_to_remove) {
    temporary = nullptr;
  }
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
