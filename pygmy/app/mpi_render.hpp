// `pygmy render --scheduler mpi`: one render spread over the ranks of an MPI job (docs/cluster.md).
#pragma once

#include <string_view>

#include "render_command.hpp"

namespace pygmy::app {

// The scheduler's name on the command line. It is not in schedulers::all_schedulers(): it is
// not a way for one process to share out bands, but a render that every rank of a job takes
// part in, started by mpirun or srun.
inline constexpr std::string_view kMpiScheduler = "mpi";
inline constexpr std::string_view kMpiSummary =
    "bands handed out to the ranks of an MPI job (mpirun -n N pygmy render --scheduler mpi), "
    "each forking -j processes";

// What --scheduler mpi says in a build without MPI.
inline constexpr std::string_view kNoMpi =
    "--scheduler mpi: this build of pygmy has no MPI (install libopenmpi-dev and openmpi-bin, "
    "then build again)";

// Renders as `options` say, as one rank of an MPI job: rank 0 reads the scene and sends it to
// the others, hands out bands, renders some itself, writes the TIFF and prints the summary; the
// others render the bands they are handed and write nothing. The exit status; a rank that fails
// after the scene was sent ends the whole job (MPI_Abort), leaving no output file. In a build
// without MPI, throws UsageError(kNoMpi).
//   if (options.scheduler == kMpiScheduler) return run_mpi_render(options);
int run_mpi_render(const RenderOptions& options);

}  // namespace pygmy::app
