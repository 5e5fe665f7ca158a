// The exceptions pprocess throws, and how a process's end is described.
#include "pprocess/error.hpp"

#include <cstring>
#include <string>
#include <utility>

namespace pprocess {

namespace {

std::string process_name(pid_t pid) {
  return pid > 0 ? "process " + std::to_string(pid) : std::string("the peer process");
}

std::string task_name(std::optional<std::size_t> task) {
  return task ? " (task " + std::to_string(*task) + ")" : std::string();
}

}  // namespace

RemoteError::RemoteError(std::string type_name, const std::string& message, pid_t pid)
    : Error(process_name(pid) + " raised " + type_name + ": " + message),
      type_name_(std::move(type_name)),
      message_(message),
      pid_(pid) {}

std::string ExitStatus::describe() const {
  if (signal) return "signal " + std::to_string(*signal) + " (" + ::strsignal(*signal) + ")";
  if (exit_code) return "exit code " + std::to_string(*exit_code);
  return "unknown status";
}

ProcessDied::ProcessDied(const ExitStatus& status, std::optional<std::size_t> task)
    : Error(process_name(status.pid) + task_name(task) + " ended with " + status.describe() +
            " before delivering its result"),
      status_(status),
      task_(task) {}

TimedOut::TimedOut(pid_t pid, std::chrono::milliseconds elapsed, std::optional<std::size_t> task)
    : Error(process_name(pid) + task_name(task) + " was stopped after " +
            std::to_string(elapsed.count()) + " ms without finishing"),
      pid_(pid),
      elapsed_(elapsed),
      task_(task) {}

}  // namespace pprocess
