// Exchange, the limit and the FIFO queue: tasks wait their turn, then get a process of their own.
#include <cerrno>
#include <system_error>

#include "pprocess/exchange.hpp"
#include "pprocess/process.hpp"
#include "worker.hpp"

namespace pprocess {

void Exchange::watch(Channel channel, std::optional<detail::Task> task) {
  auto worker = std::make_unique<Worker>();
  worker->channel = std::move(channel);
  worker->exited = worker->process() == nullptr;  // nothing here to wait for
  worker->started = Clock::now();
  if (task) {
    worker->key = task->key;
    worker->tasks.push_back(std::move(*task));
    if (options_.task_timeout) worker->deadline = worker->started + *options_.task_timeout;
  }
  workers_.push_back(std::move(worker));
}

void Exchange::submit(detail::Task task) {
  task.id = next_task_++;
  queue_.push_back(std::move(task));
  start_queued();
}

void Exchange::start_queued() {
  while (!busy() && !queue_.empty()) {
    if (!launch(queue_.front())) return;  // no process to be had: the task stays first in line
    queue_.pop_front();
  }
}

bool Exchange::launch(detail::Task& task) {
  task.posted_bytes = 0;  // it may have been handed to a worker that left: now it is forked for
  Channel channel;
  try {
    channel = task.launch ? task.launch() : detail::create(options_.reuse);
  } catch (const std::system_error& e) {
    if (fork_refused(e)) return false;
    throw;
  }
  if (!task.launch && channel.pid() == 0) {
    detail::run_and_exit(channel, [&] { task.run(channel); });
  }
  ++forks_;
  watch(std::move(channel), std::move(task));
  return true;
}

bool Exchange::fork_refused(const std::system_error& error) {
  // Out of processes or descriptors while others run: go on with those, as many as the system
  // allows from now on. With none running there is nothing to wait for.
  const int code = error.code().value();
  const bool shortage = code == EAGAIN || code == EMFILE || code == ENFILE || code == ENOMEM;
  if (!shortage || workers_.empty()) return false;
  limit_ = workers_.size();
  return true;
}

}  // namespace pprocess
