// One render spread over the ranks of an MPI job: the job's session, what rank 0 sends to every
// rank, and the master/worker loop that hands bands out and gathers their pixels. The only
// header of the command that stands between it and MPI; it includes none of MPI's.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pygmy/image.hpp"
#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"

namespace pygmy::app::mpi {

// MPI, initialised for as long as this lives: one per process, made only by a render that asked
// for the mpi scheduler (a plain `pygmy render` never initialises MPI). MPI's errors end the job
// (its default error handler), so no call here returns a failure.
//   const mpi::Session session;
//   if (session.rank() == 0) { ... }
class Session {
 public:
  Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  // This process's rank in the job, from 0.
  [[nodiscard]] int rank() const { return rank_; }
  // The ranks in the job.
  [[nodiscard]] int ranks() const { return ranks_; }

  // Ends every rank of the job with exit status `status` (MPI_Abort): the way out of a failure
  // the other ranks would otherwise wait on for ever. Destructors do not run: anything to clean
  // up must be gone before.
  [[noreturn]] void abort(int status) const;

  // Sends `text` from rank 0 to every rank, each of which returns it. Rank 0 passes nullopt
  // when it failed before it had anything to send; then every rank returns nullopt.
  //   std::optional<std::string> scene = session.broadcast(rank == 0 ? text : std::nullopt);
  [[nodiscard]] std::optional<std::string> broadcast(std::optional<std::string> text) const;

  // On rank 0, the sum of `value` over every rank; on the others, their own `value`.
  //   double cpu = session.sum_on_rank_zero(cpu_seconds);
  [[nodiscard]] double sum_on_rank_zero(double value) const;

 private:
  int rank_ = 0;
  int ranks_ = 1;
};

// What every rank renders, and how.
struct BandWork {
  const Scene& scene;
  const std::vector<Band>& bands;
  // Processes of this rank (-j): with 1, this process renders a band a row at a time and looks
  // at its messages between rows; with more, it forks them once (LocalWorkers) and shares each
  // band out among them.
  unsigned jobs = 1;
  // A fault for the tests: this rank kills itself (SIGKILL) as it starts its band number
  // `kill_at` (1, 2, ...).
  std::optional<int> kill_at{};
};

// Rank 0's part: hands the bands out to the other ranks, one at a time as each asks for one,
// renders bands itself between their messages, and receives each band straight into its rows of
// `image`; calls `progress` (rows done, rows in all) as bands arrive. Returns the rank that
// rendered each band. Waiting for messages, it tests and sleeps rather than spin, so it leaves
// its core to the ranks that render.
//   std::vector<int> band_rank = mpi::gather_bands(session, work, image, progress);
[[nodiscard]] std::vector<int> gather_bands(const Session& session, const BandWork& work,
                                            Image& image,
                                            const std::function<void(int, int)>& progress);

// Every other rank's part: renders the bands rank 0 hands it, sending each back as it is
// done, until rank 0 has none left. It has its next band asked for before it finishes the one
// in hand, so it does not wait for rank 0 between bands (but for the last few: then rank 0 hands
// a band only to a rank that has none, so that the render's last bands end together).
//   if (session.rank() != 0) mpi::render_bands(work);
void render_bands(const BandWork& work);

}  // namespace pygmy::app::mpi
