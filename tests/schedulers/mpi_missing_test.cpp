// The mpi scheduler in a build without MPI: asking for it says so, tested in every build by
// linking the stand-in that such a build uses.
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "pygmy/mpi.hpp"

namespace pygmy::schedulers::mpi {
namespace {

TEST(MpiMissingTest, RunningAJobSaysThatThisBuildHasNoMpi) {
  EXPECT_FALSE(built());
  try {
    static_cast<void>(run_job({}, {.scheduler = kName}, {}));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), kNotBuilt);
    EXPECT_NE(std::string(e.what()).find("this build of pygmy has no MPI"), std::string::npos);
  }
}

}  // namespace
}  // namespace pygmy::schedulers::mpi
