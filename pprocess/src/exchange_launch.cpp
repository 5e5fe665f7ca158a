// Exchange, the limit and the FIFO queue: tasks wait their turn, then get a process of their own.
#include <algorithm>
#include <cerrno>
#include <system_error>
#include <variant>

#include "pprocess/exchange.hpp"
#include "pprocess/process.hpp"
#include "system.hpp"
#include "worker.hpp"

namespace pprocess {

void Exchange::watch(Child child, std::optional<detail::Task> task) {
  auto worker = std::make_unique<Worker>();
  worker->child = std::move(child);
  worker->exited = worker->process() == nullptr;  // nothing here to wait for
  worker->started = Clock::now();
  if (task) {
    worker->key = task->key;
    worker->tasks.push_back(std::move(*task));
    if (options_.task_timeout) {
      worker->deadline = detail::deadline_from(worker->started, *options_.task_timeout);
    }
  }
  workers_.push_back(std::move(worker));
}

void Exchange::submit(detail::Task task) {
  task.id = next_task_++;
  const std::size_t id = task.id;
  queue_.push_back(std::move(task));
  start_queued();
  if (detail::tracing() && !queue_.empty() && queue_.back().id == id) {
    detail::trace("task " + std::to_string(id) + " waits for a slot (" +
                  std::to_string(workers_.size()) + " of " + std::to_string(limit_) +
                  " processes running)");
  }
}

void Exchange::start_queued() {
  while (!busy() && !queue_.empty()) {
    std::exception_ptr failure;
    const bool started = launch(queue_.front(), failure);
    if (failure) {
      // No process for it, and none running to wait for: the task fails where it stands.
      const std::size_t task = queue_.front().id;
      queue_.pop_front();
      task_failed(task, failure);
      continue;
    }
    if (!started) return;  // no process to be had now: the task stays first in line
    queue_.pop_front();
  }
}

bool Exchange::launch(detail::Task& task, std::exception_ptr& failure) {
  task.posted_bytes = 0;  // it may have been handed to a worker that left: now it is forked for
  std::variant<Child, detail::Shortage> created;
  try {
    if (task.launch) {
      created = Child(task.launch(), Process());
    } else {
      created = detail::try_create(options_.reuse);
    }
  } catch (const std::system_error&) {
    failure = std::current_exception();
    return false;
  }
  if (const auto* shortage = std::get_if<detail::Shortage>(&created)) {
    if (!short_of_processes(shortage->error))
      failure = std::make_exception_ptr(shortage->as_error());
    return false;
  }
  Child& child = std::get<Child>(created);
  if (!task.launch && child.pid() == 0) {
    Channel& channel = child.channel();
    detail::run_and_exit(channel, [&] { task.run(channel); });
  }
  if (detail::tracing()) {
    detail::trace((task.launch ? "connected to background process " : "created process ") +
                  std::to_string(child.pid()) + " for task " + std::to_string(task.id));
  }
  ++forks_;
  watch(std::move(child), std::move(task));
  return true;
}

bool Exchange::short_of_processes(int error) {
  // Out of processes or descriptors while others run: go on with those, less one, from now on.
  // The one left free is the creator's own room: a handler that opens a file, or the creator's
  // next fork, must not meet the shortage the exchange ran into. With none running there is
  // nothing to wait for.
  if (!detail::is_shortage(error) || workers_.empty()) return false;
  limit_ = std::max<std::size_t>(1, workers_.size() - 1);
  if (detail::tracing()) {
    detail::trace("no process to be had (" + std::system_category().message(error) +
                  "): the limit is now " + std::to_string(limit_));
  }
  return true;
}

}  // namespace pprocess
