// The cost of the machinery: fork, start, channel round trips beside a raw socketpair, and the
// per-task overhead of pmap with and without reuse (beside Python's multiprocessing.Pool).
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "pprocess/pprocess.hpp"

namespace {

constexpr int kTrivialTasks = 10'000;

void BM_ForkReap(benchmark::State& state) {
  for (auto _ : state) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    if (pid < 0) {
      state.SkipWithError("fork failed");
      break;
    }
    ::waitpid(pid, nullptr, 0);
  }
}
BENCHMARK(BM_ForkReap)->UseRealTime();

void BM_StartEmptyTask(benchmark::State& state) {
  for (auto _ : state) {
    pprocess::Child channel = pprocess::start([](pprocess::Channel&) {});
    channel.close();
  }
}
BENCHMARK(BM_StartEmptyTask)->UseRealTime();

/// A created process that sends back every block it receives, until the channel closes.
void echo(pprocess::Channel& channel) {
  while (auto block = channel.receive_or_stop<std::vector<char>>()) channel.send(*block);
}

/// The same, receiving every block into one reused buffer.
void echo_into(pprocess::Channel& channel) {
  std::vector<char> block;
  try {
    for (;;) {
      channel.receive_into(block);
      channel.send(block);
    }
  } catch (const pprocess::ChannelClosed&) {
  }
}

/// A value sent to an echoing process and received back; `into`: both sides receive into a
/// buffer they reuse, as the raw baseline does, instead of a fresh vector each time.
void round_trips(benchmark::State& state, bool into) {
  const std::vector<char> block(static_cast<std::size_t>(state.range(0)), 'x');
  pprocess::Child channel = into ? pprocess::start(echo_into) : pprocess::start(echo);
  std::vector<char> back;
  for (auto _ : state) {
    channel.send(block);
    if (into) {
      channel.receive_into(back);
    } else {
      back = channel.receive<std::vector<char>>();
    }
    benchmark::DoNotOptimize(back.data());
  }
  channel.stop();
  channel.close();
  state.SetBytesProcessed(2 * state.iterations() * state.range(0));
}

void BM_ChannelRoundTrip(benchmark::State& state) { round_trips(state, false); }
BENCHMARK(BM_ChannelRoundTrip)->Arg(8)->Arg(4096)->Arg(1 << 20)->UseRealTime();

void BM_ChannelRoundTripInto(benchmark::State& state) { round_trips(state, true); }
BENCHMARK(BM_ChannelRoundTripInto)->Arg(8)->Arg(4096)->Arg(1 << 20)->UseRealTime();

/// The baseline: the same bytes there and back over a bare socketpair, no framing, no receipt.
void BM_SocketpairRoundTrip(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
    state.SkipWithError("socketpair failed");
    return;
  }
  auto transfer = [size](int fd, char* data, bool writing) {
    for (std::size_t done = 0; done < size;) {
      const ssize_t n = writing ? ::send(fd, data + done, size - done, MSG_NOSIGNAL)
                                : ::recv(fd, data + done, size - done, 0);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  };
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(ends[0]);
    std::vector<char> buffer(size);
    while (transfer(ends[1], buffer.data(), false) && transfer(ends[1], buffer.data(), true)) {
    }
    ::_exit(0);
  }
  ::close(ends[1]);
  std::vector<char> block(size, 'x');
  for (auto _ : state) {
    transfer(ends[0], block.data(), true);
    transfer(ends[0], block.data(), false);
  }
  ::close(ends[0]);
  ::waitpid(pid, nullptr, 0);
  state.SetBytesProcessed(2 * state.iterations() * state.range(0));
}
BENCHMARK(BM_SocketpairRoundTrip)->Arg(8)->Arg(4096)->Arg(1 << 20)->UseRealTime();

/// Microseconds per trivial task, from the seconds all iterations took.
double per_task_microseconds(const benchmark::State& state, double seconds) {
  return seconds * 1e6 / (kTrivialTasks * static_cast<double>(state.iterations()));
}

/// pmap over 10 000 trivial tasks: the time per task is the per-task overhead.
void BM_PmapTrivialTasks(benchmark::State& state) {
  const bool reuse = state.range(0) != 0;
  std::vector<int> inputs(kTrivialTasks);
  std::iota(inputs.begin(), inputs.end(), 0);
  double seconds = 0;
  for (auto _ : state) {
    const auto began = std::chrono::steady_clock::now();
    auto results = pprocess::pmap([](int x) { return x; }, inputs, std::nullopt, reuse);
    long long sum = 0;
    for (int r : results) sum += r;
    benchmark::DoNotOptimize(sum);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  }
  state.counters["us_per_task"] = per_task_microseconds(state, seconds);
}
BENCHMARK(BM_PmapTrivialTasks)->ArgName("reuse")->Arg(0)->Arg(1)->Iterations(1)->UseRealTime();

/// The peer baseline: the same 10 000 trivial tasks through multiprocessing.Pool (chunk size 1).
void BM_PythonPoolTrivialTasks(benchmark::State& state) {
  const std::string command = "python3 " BENCH_SOURCE_DIR "/python_pool.py " +
                              std::to_string(kTrivialTasks) + " " +
                              std::to_string(pprocess::available_cpus());
  double total = 0;
  for (auto _ : state) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    double seconds = 0;
    if (!pipe || std::fscanf(pipe.get(), "%lf", &seconds) != 1) {
      state.SkipWithError("python3 bench/python_pool.py failed");
      break;
    }
    state.SetIterationTime(seconds);
    total += seconds;
  }
  state.counters["us_per_task"] = per_task_microseconds(state, total);
}

bool have_python() {
  return std::system("python3 -c 'import multiprocessing' >/dev/null 2>&1") == 0;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (have_python()) {
    benchmark::RegisterBenchmark("BM_PythonPoolTrivialTasks", BM_PythonPoolTrivialTasks)
        ->Iterations(1)
        ->UseManualTime();
  } else {
    std::fprintf(stderr, "python3 not found: BM_PythonPoolTrivialTasks is left out\n");
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
