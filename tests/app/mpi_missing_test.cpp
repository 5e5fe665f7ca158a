// `pygmy render --scheduler mpi` in a build without MPI: a usage error saying so, tested in every
// build by linking the stand-in that such a build uses.
#include <string>

#include <gtest/gtest.h>

#include "command_line.hpp"
#include "mpi_render.hpp"

namespace pygmy::app {
namespace {

TEST(MpiMissingTest, TheMpiSchedulerIsAUsageErrorSayingThatThisBuildHasNoMpi) {
  RenderOptions options;
  options.scheduler = std::string(kMpiScheduler);
  try {
    static_cast<void>(run_mpi_render(options));
    FAIL() << "expected a UsageError";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), kNoMpi);
    EXPECT_NE(std::string(e.what()).find("this build of pygmy has no MPI"), std::string::npos);
  }
}

}  // namespace
}  // namespace pygmy::app
