// The exceptions pprocess throws: one type for each situation a caller may want to handle.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>

namespace pprocess {

/// Base of every pprocess error.
///   try { channel.receive<int>(); } catch (const pprocess::Error& e) { log(e.what()); }
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An exception escaped the function run by a created process; this is its report.
///   try { m[3]; } catch (const RemoteError& e) { e.type_name(); /* "std::invalid_argument" */ }
class RemoteError : public Error {
 public:
  RemoteError(std::string type_name, const std::string& message, pid_t pid);
  /// The demangled type of the exception thrown in the created process.
  [[nodiscard]] const std::string& type_name() const noexcept { return type_name_; }
  /// The process that threw it (0 when unknown).
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  /// The original `what()`, without the prefix naming process and type.
  [[nodiscard]] const std::string& message() const noexcept { return message_; }

 private:
  std::string type_name_;
  std::string message_;
  pid_t pid_;
};

/// How a created process ended.
struct ExitStatus {
  pid_t pid = 0;
  /// The code passed to `_exit`, when it exited.
  std::optional<int> exit_code;
  /// The signal that killed it, when it was killed.
  std::optional<int> signal;

  /// "exit code 3", "signal 9 (Killed)" or "unknown status".
  [[nodiscard]] std::string describe() const;
};

/// A created process ended before delivering the result of its task.
///   try { m[7]; } catch (const ProcessDied& e) { e.signal(); /* SIGKILL */ e.task(); /* 7 */ }
class ProcessDied : public Error {
 public:
  explicit ProcessDied(const ExitStatus& status, std::optional<std::size_t> task = std::nullopt);
  [[nodiscard]] pid_t pid() const noexcept { return status_.pid; }
  [[nodiscard]] std::optional<int> exit_code() const noexcept { return status_.exit_code; }
  [[nodiscard]] std::optional<int> signal() const noexcept { return status_.signal; }
  [[nodiscard]] const ExitStatus& status() const noexcept { return status_; }
  /// The task it was working on (its index in a Map), when an Exchange started it.
  [[nodiscard]] std::optional<std::size_t> task() const noexcept { return task_; }

 private:
  ExitStatus status_;
  std::optional<std::size_t> task_;
};

/// A task ran past its deadline (Options::task_timeout) and its process was ended, or a peer
/// did not deliver a whole value within a receive's timeout.
///   try { m[2]; } catch (const TimedOut& e) { e.elapsed(); /* 1000 ms */ }
class TimedOut : public Error {
 public:
  TimedOut(pid_t pid, std::chrono::milliseconds elapsed,
           std::optional<std::size_t> task = std::nullopt);
  /// The process that did not finish in time (0 when unknown).
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  /// How long it had been running when it was stopped.
  [[nodiscard]] std::chrono::milliseconds elapsed() const noexcept { return elapsed_; }
  /// Its task, when an Exchange started it.
  [[nodiscard]] std::optional<std::size_t> task() const noexcept { return task_; }

 private:
  pid_t pid_;
  std::chrono::milliseconds elapsed_;
  std::optional<std::size_t> task_;
};

/// The peer closed its end of the channel (or ended) at a frame boundary.
class ChannelClosed : public Error {
 public:
  using Error::Error;
};

/// The bytes on a channel are not a valid frame: truncated, oversized, corrupt or undecodable.
class ProtocolError : public Error {
 public:
  using Error::Error;
};

}  // namespace pprocess
