// The mpi scheduler in a build without MPI: asking for it says so.
#include <stdexcept>
#include <string>

#include "pygmy/mpi.hpp"

namespace pygmy::schedulers::mpi {

bool built() { return false; }

int run_job(const Job& /*job*/, const RenderPlan& /*plan*/, const RankZero& /*rank_zero*/) {
  throw std::invalid_argument(std::string(kNotBuilt));
}

}  // namespace pygmy::schedulers::mpi
