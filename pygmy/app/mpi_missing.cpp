// `pygmy render --scheduler mpi` in a build without MPI: says so.
#include "command_line.hpp"
#include "mpi_render.hpp"

namespace pygmy::app {

int run_mpi_render(const RenderOptions& /*options*/) { throw UsageError(std::string(kNoMpi)); }

}  // namespace pygmy::app
