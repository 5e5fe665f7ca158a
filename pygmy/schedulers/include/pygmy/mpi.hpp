// The mpi scheduler: one render spread over the ranks of an MPI job (docs/cluster.md). Every rank
// runs the same command under mpirun; rank 0 hands out bands and gathers the image.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "pygmy/scene.hpp"
#include "pygmy/schedulers.hpp"

namespace pygmy::schedulers::mpi {

// The scheduler's name and its line in the table (present when this build has MPI).
inline constexpr std::string_view kName = "mpi";
inline constexpr std::string_view kSummary =
    "bands handed out to the ranks of an MPI job (mpirun -n N pygmy render --scheduler mpi), "
    "each forking -j processes";
// What asking for it says in a build without MPI.
inline constexpr std::string_view kNotBuilt =
    "--scheduler mpi: this build of pygmy has no MPI (install libopenmpi-dev and openmpi-bin, "
    "then build again)";

// Whether this build has MPI.
[[nodiscard]] bool built();

// The scene every rank renders, told by rank 0: a file's name (its text travels, so no other
// rank needs the file) or the built-in scene, at a size and seed when given.
struct Job {
  std::string scene_file;                     // empty: the built-in scene
  std::optional<std::pair<int, int>> size{};  // width, height; unset: the scene's own
  std::optional<std::uint64_t> seed{};        // unset: the scene's own
};

// What rank 0 does around the render. Other ranks call neither.
struct RankZero {
  // Before any other rank is sent the job: checks (files, memory). A throw ends every rank
  // quietly, and run_job rethrows it on rank 0.
  std::function<void(const Scene& scene, const Layout& layout)> prepare{};
  // Once every band is in: writes the files and says what was done. A throw ends the job.
  std::function<void(const Scene& scene, const Rendered& rendered)> finish{};
  // Rows done so far, rows in all, as bands arrive.
  std::function<void(int done, int total)> progress{};
};

// Runs this process's rank of an MPI render of `job` by `plan` (its scheduler `mpi`; processes:
// the -j of each rank, which forks them once; band_rows: unset for the default rule over the
// ranks; band_timeout: the deadline of bands, unset for the rule of band_deadline()). Rank 0
// reads the scene, calls `rank_zero.prepare`, sends the job to the other ranks, hands out bands,
// renders some itself, then calls `rank_zero.finish` with the image and what it cost (CPU of
// every rank). A forked worker of a rank whose part of a band is out past the deadline is ended
// and the rank renders the part itself; a rank that holds a band past its own deadline (twice
// the band's when ranks fork workers), or rank 0 keeping another waiting that long, ends the job
// with a message naming the rank. A failure after the job was sent ends the whole job (the rank
// exits with status 1 and mpirun ends the others), leaving no output. In a build without MPI,
// throws std::invalid_argument(kNotBuilt). Returns the exit status of this rank.
//   return mpi::run_job({.scene_file = "scenes/showcase.json"}, plan, {.finish = write_files});
int run_job(const Job& job, const RenderPlan& plan, const RankZero& rank_zero);

}  // namespace pygmy::schedulers::mpi
