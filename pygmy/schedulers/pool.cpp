// pool, the default: this process and the processes it forks once render the bands together, as
// the threads of a thread pool would. Each takes the next band from a counter in memory they
// share, so no band waits for a message; a forked worker sends its band back a piece at a time,
// received straight into place in the image, which this process looks for between its own rows.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

#include "pass.hpp"
#include "pprocess/process.hpp"
#include "pprocess/shared.hpp"

namespace pygmy::schedulers {

namespace {

using Clock = std::chrono::steady_clock;

// Who took a band of `todo`, and when: written by the taker, read by this process, which ends a
// worker whose band runs past its deadline. The clock is the machine's, the same in every process.
struct Claim {
  std::atomic<pid_t> owner{0};  // to end it by
  std::atomic<int> worker{0};   // to count it by: 0 for this process, then 1, 2, ... as forked
  std::atomic<Clock::rep> taken{0};
};
static_assert(std::atomic<pid_t>::is_always_lock_free && std::atomic<int>::is_always_lock_free &&
              std::atomic<Clock::rep>::is_always_lock_free);

// How often this process looks for the workers' pieces while it renders a band of its own.
constexpr auto kLookEvery = std::chrono::microseconds(500);
// How long it waits for them at most once it has no band left (it then checks the deadlines).
constexpr auto kLongestWait = std::chrono::milliseconds(100);

class Pool {
 public:
  Pool(Pass& pass, const std::vector<int>& todo)
      : pass_(pass),
        todo_(todo),
        next_(1, 0),
        claims_(todo.size()),
        rows_(todo.size(), 0),
        timer_(pass.plan().band_timeout),
        workers_(*this) {}

  Failures run() {
    // With a hook that may kill or stop its process, every band goes to a forked worker.
    const bool renders_too = !pass_.plan().before_band;
    const unsigned forked = pass_.processes() - (renders_too ? 1 : 0);
    for (unsigned i = 0; i < forked; ++i) {
      workers_.start([this](pprocess::Channel& channel, int worker) { work(channel, worker); },
                     static_cast<int>(i) + 1);
    }
    // Short of processes, the pool goes on with those it has: this process renders too.
    pass_.allowed(workers_.forks() + (renders_too ? 1 : 0));
    if (renders_too) {
      while (const std::optional<std::size_t> entry = take(0)) render_here(*entry);
    }
    while (workers_.unfinished()) {
      workers_.store(std::chrono::duration_cast<std::chrono::milliseconds>(kLongestWait));
      end_late_workers();
    }
    pass_.forked(workers_.forks());
    for (std::size_t entry = 0; entry < todo_.size(); ++entry) {
      if (rows_[entry] < rows_of(entry)) failures_.bands.push_back(todo_[entry]);
    }
    return std::move(failures_);
  }

 private:
  // The exchange of the forked workers: each sends pieces until no band is left.
  class Workers : public pprocess::Exchange {
   public:
    explicit Workers(Pool& pool)
        : Exchange({.limit = std::max(pool.pass_.processes(), 1U), .continuous = true}),
          pool_(pool) {}

   protected:
    void store_data(pprocess::Channel& channel) override { pool_.receive(channel); }
    void task_failed(std::size_t, std::exception_ptr reason) override {
      try {
        std::rethrow_exception(reason);
      } catch (const pprocess::ProcessDied& died) {
        pool_.failures_.reason = died.what();
      } catch (const pprocess::Error& error) {
        pool_.failures_.reason = error.what();
      } catch (const std::system_error& error) {
        // No process to be had, and none of the pool's running to wait for: run() goes on
        // without it (and its bands fail, with this reason, when no band is rendered here).
        if (!pprocess::detail::is_shortage(error.code().value())) throw;
        pool_.failures_.reason = error.what();
      }
    }

   private:
    Pool& pool_;
  };

  // Takes the next band for this process, worker number `worker`; none once every band is taken.
  std::optional<std::size_t> take(int worker) {
    const std::size_t entry = (*next_)++;
    if (entry >= todo_.size()) return std::nullopt;
    claims_[entry].owner = ::getpid();
    claims_[entry].worker = worker;
    claims_[entry].taken = Clock::now().time_since_epoch().count();
    return entry;
  }

  [[nodiscard]] int rows_of(std::size_t entry) const {
    const Band& band = pass_.band(todo_[entry]);
    return band.y1 - band.y0;
  }

  // Forked worker number `worker`: renders bands until none is left, sending each a piece at a
  // time.
  void work(pprocess::Channel& channel, int worker) {
    while (const std::optional<std::size_t> entry = take(worker)) {
      pass_.render_in_pieces(todo_[*entry], [&](int y0, std::span<const std::uint8_t> piece) {
        channel.post(std::pair<int, int>(static_cast<int>(*entry), y0));
        channel.post(piece);
      });
    }
  }

  // This process's own band, a row at a time straight into the image, looking for the workers'
  // pieces (and late bands) every kLookEvery.
  void render_here(std::size_t entry) {
    const Band& band = pass_.band(todo_[entry]);
    auto looked = Clock::now();
    for (int y = band.y0; y < band.y1; ++y) {
      pass_.render_rows(y, y + 1, pass_.image_rows(y, y + 1));
      if (Clock::now() - looked >= kLookEvery && workers_.unfinished()) {
        workers_.store(std::chrono::milliseconds(0));
        end_late_workers();
        looked = Clock::now();
      }
    }
    finished(entry);
  }

  // A piece from a worker, into its place.
  void receive(pprocess::Channel& channel) {
    const auto [entry, y0] = channel.receive<std::pair<int, int>>();
    if (entry < 0 || static_cast<std::size_t>(entry) >= todo_.size()) {
      throw pprocess::ProtocolError("a piece of no band this pool handed out");
    }
    const auto at = static_cast<std::size_t>(entry);
    const Band& band = pass_.band(todo_[at]);
    const int y1 = std::min(y0 + pass_.piece_rows(), band.y1);
    if (y0 != band.y0 + rows_[at] || y1 <= y0) {
      throw pprocess::ProtocolError("a piece out of order");
    }
    channel.receive_into(pass_.image_rows(y0, y1));
    rows_[at] += y1 - y0;
    if (rows_[at] == rows_of(at)) finished(at);
  }

  void finished(std::size_t entry) {
    rows_[entry] = rows_of(entry);
    const Clock::time_point taken{Clock::duration(claims_[entry].taken.load())};
    timer_.finished(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - taken));
    pass_.mark_done(todo_[entry], claims_[entry].worker);
  }

  // Ends each forked worker whose band has run past the deadline: its band is rendered again.
  void end_late_workers() {
    const std::optional<std::chrono::milliseconds> deadline = timer_.deadline();
    if (!deadline) return;
    const Clock::time_point now = Clock::now();
    for (std::size_t entry = 0; entry < todo_.size(); ++entry) {
      const pid_t owner = claims_[entry].owner;
      if (owner == 0 || owner == ::getpid() || rows_[entry] == rows_of(entry) ||
          ended_.count(owner) != 0) {
        continue;
      }
      const Clock::time_point taken{Clock::duration(claims_[entry].taken.load())};
      if (now - taken < *deadline) continue;
      // Through the exchange's own Process: a worker already reaped (whose pid may be another
      // process's by now) is not found, and nothing is signalled.
      pprocess::Process* worker = workers_.process_of(owner);
      if (worker == nullptr) continue;
      worker->signal(SIGKILL);
      ended_.insert(owner);
      failures_.reason = "a band ran past its deadline of " + std::to_string(deadline->count()) +
                         " ms; its worker was ended";
    }
  }

  Pass& pass_;
  const std::vector<int>& todo_;
  pprocess::Shared<std::atomic<std::size_t>> next_;  // the next entry of todo_ to take
  pprocess::Shared<Claim> claims_;
  std::vector<int> rows_;  // of each entry, received or rendered here
  BandTimer timer_;
  std::set<pid_t> ended_;  // workers this pool has killed
  Failures failures_;
  Workers workers_;  // last: destroyed (its workers ended and reaped) before what they use
};

}  // namespace

Failures run_pool(Pass& pass, const std::vector<int>& todo) { return Pool(pass, todo).run(); }

}  // namespace pygmy::schedulers
