// What the pygmy command does with the signals that stop a job: its temporary file goes first,
// and a command that waits on another process says why it ended.
#pragma once

#include <signal.h>

#include <array>
#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace pygmy::app {

// The signals a user, a shell or a batch system sends to stop a job, each of which ends the
// process by default: hang-up, Ctrl-C, Ctrl-\, kill, the two user signals, an alarm and a CPU
// time limit.
inline constexpr std::array kStoppingSignals{SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,
                                             SIGUSR1, SIGUSR2, SIGALRM, SIGXCPU};

// While it lives, any of kStoppingSignals removes the `temporaries` (those not empty) and then
// ends the process by that same signal, as it would have without this (the workers die with it).
// Only a signal whose action is still the default is caught: one ignored when the command started
// (nohup, a background job) stays ignored, and one another handler took (a profiler) stays
// with it. The previous actions are restored on destruction.
// One lives at a time.
//   TiffOutput output("test.tif");
//   const RemoveOnSignal remove_on_signal({output.temporary_path()});
class RemoveOnSignal {
 public:
  // The most temporaries one removes (std::invalid_argument past that).
  static constexpr std::size_t kMostTemporaries = 4;

  explicit RemoveOnSignal(std::vector<std::filesystem::path> temporaries);
  RemoveOnSignal(const RemoveOnSignal&) = delete;
  RemoveOnSignal& operator=(const RemoveOnSignal&) = delete;
  ~RemoveOnSignal();

 private:
  std::vector<std::filesystem::path> temporaries_;          // what the handler's names point into
  std::vector<std::pair<int, struct sigaction>> replaced_;  // each signal caught, its old action
};

// While it lives, any of kStoppingSignals prints "pygmy: SIGINT: MESSAGE" (the signal's name) on
// standard error, then ends the process by that same signal, as it would have without this. For
// a command that waits on another process, whose user would not otherwise know what was left
// undone. Catches the signals as RemoveOnSignal does; make it first, then any RemoveOnSignal
// (which then removes its temporaries as well). One lives at a time.
//   const SayOnSignal say("the collect ends; the render keeps its image for a later one");
class SayOnSignal {
 public:
  explicit SayOnSignal(std::string message);
  SayOnSignal(const SayOnSignal&) = delete;
  SayOnSignal& operator=(const SayOnSignal&) = delete;
  ~SayOnSignal();

 private:
  std::string message_;                                     // what the handler points into
  std::vector<std::pair<int, struct sigaction>> replaced_;  // each signal caught, its old action
};

// Holds kStoppingSignals back while it lives; they take effect when it ends. Around the write
// and rename of the finished file: a signal during rendering ends the process (RemoveOnSignal
// removes the temporary), one during writing takes effect once the finished file is in place.
//   { const SignalsHeld held; output.commit(image); }
class SignalsHeld {
 public:
  SignalsHeld();
  SignalsHeld(const SignalsHeld&) = delete;
  SignalsHeld& operator=(const SignalsHeld&) = delete;
  ~SignalsHeld();

 private:
  sigset_t previous_{};
};

}  // namespace pygmy::app
