// Signal handling of the pygmy command: remove the temporary, then die of the signal.
#include "signals.hpp"

#include <unistd.h>

#include <atomic>

namespace pygmy::app {
namespace {

// What the handler below removes, and the process whose file it is. Globals because a signal
// handler can reach nothing else; atomics because it may run between any two statements.
std::atomic<const char*> temporary_to_remove{nullptr};
std::atomic<pid_t> temporary_owner{0};

void remove_temporary_and_die(int signal) {
  // Workers forked during rendering inherit this handler: only the owner removes the file.
  if (::getpid() == temporary_owner.load()) {
    if (const char* path = temporary_to_remove.load(); path != nullptr) {
      ::unlink(path);
    }
  }
  ::signal(signal, SIG_DFL);
  ::raise(signal);  // delivered on return, so the command still dies of the signal
}

}  // namespace

RemoveOnSignal::RemoveOnSignal(const std::filesystem::path& temporary) {
  temporary_to_remove = temporary.empty() ? nullptr : temporary.c_str();
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
  temporary_to_remove = nullptr;
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
