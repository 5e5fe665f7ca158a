// `pygmy render --scheduler mpi` under mpirun, end to end: the sequential image from any number of
// ranks, band size and transport, one summary from rank 0 only, a killed or stalled rank that
// ends the job leaving no file behind, and a stalled worker of a rank whose part that rank
// renders.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "command_runner.hpp"
#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"
#include "pygmy/scene_file.hpp"
#include "pygmy/tiff.hpp"

namespace {

namespace fs = std::filesystem;
using pygmy::app::test::slurp;

// mpirun as the tests start it: explicitly allowed to run as root (a container's user), with more
// ranks than cores allowed, and ended if it runs past 100 s (never a hang). In a sanitized build
// the ranks run without LeakSanitizer (every other ASan check stays on): Open MPI 4.1 leaves
// allocations of its own at exit, made by components it has unloaded by then, so LeakSanitizer
// cannot name their module and no suppression can match them. This test program itself, and the
// code the ranks share with other renders (tested in app_tests), are still checked for leaks.
constexpr const char* kMpirun =
    "env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
    "ASAN_OPTIONS=\"${ASAN_OPTIONS:-}:detect_leaks=0\" timeout -k 5 100 " MPIEXEC
    " --oversubscribe";
// Open MPI's transports on one machine: shared memory, and TCP over the loopback interface as
// between the nodes of a cluster.
constexpr const char* kSharedMemory = " --mca btl self,vader";
constexpr const char* kTcpOnLoopback =
    " --mca btl self,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo";

// How an mpirun ended: its exit status (-1 when a signal ended it) and what it printed.
struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class MpiRenderTest : public pygmy::app::test::ScratchDirectoryTest {
 protected:
  // Runs `mpirun -n ranks [transport] pygmy render --scheduler mpi ARGS` in the scratch directory.
  Outcome mpirun(int ranks, const std::string& transport, const std::string& args,
                 const std::string& environment = "") {
    return run_shell(mpirun_line(ranks, transport, args, environment) + " > out.txt 2> err.txt");
  }

  // The same, interrupted (SIGINT, as Ctrl-C) a second after it started.
  Outcome mpirun_interrupted(int ranks, const std::string& transport, const std::string& args) {
    std::string line = "(";
    line += mpirun_line(ranks, transport, args, "");
    line += " > out.txt 2> err.txt & sleep 1; kill -INT $!; wait $!)";
    return run_shell(line);
  }

 private:
  static std::string mpirun_line(int ranks, const std::string& transport, const std::string& args,
                                 const std::string& environment) {
    return environment + " " + kMpirun + " -n " + std::to_string(ranks) + transport +
           " " PYGMY_COMMAND " render --scheduler mpi " + args;
  }

  Outcome run_shell(const std::string& line) {
    // Appended rather than added up: GCC 12's -O3 warns (-Wrestrict) on "text" + a temporary.
    std::string command = "cd '";
    command += dir_.string();
    command += "' && ";
    command += line;
    const int status = std::system(command.c_str());
    Outcome outcome;
    if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
    outcome.out = slurp(dir_ / "out.txt");
    outcome.err = slurp(dir_ / "err.txt");
    return outcome;
  }
};

// The built-in scene, small enough for many ranks and band sizes to stay quick.
pygmy::Scene small_scene() { return pygmy::with_size(pygmy::builtin_scene(), 120, 80); }

TEST_F(MpiRenderTest, ThreeRanksOverSharedMemoryRenderTheSequentialImageForAnyBandSize) {
  const pygmy::Image expected = pygmy::render_sequential(small_scene());
  for (const std::string band_rows : {"1", "7", "80", ""}) {
    const std::string option = band_rows.empty() ? "" : " --band-rows " + band_rows;
    const Outcome outcome = mpirun(3, kSharedMemory, "--size 120x80 -j 1 -o mpi.tif" + option);
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_TRUE(pygmy::read_tiff(dir_ / "mpi.tif") == expected) << "--band-rows " << band_rows;
  }
}

TEST_F(MpiRenderTest, WithoutBandRowsTheRanksRenderTheBandsRankZeroPlannedByCost) {
  const Outcome outcome = mpirun(3, kSharedMemory, "--size 120x80 -j 1 -o planned.tif");
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_TRUE(pygmy::read_tiff(dir_ / "planned.tif") == pygmy::render_sequential(small_scene()));
  EXPECT_NE(outcome.out.find(" planned by cost, up to "), std::string::npos) << outcome.out;
}

TEST_F(MpiRenderTest, TcpOnTheLoopbackInterfaceRendersTheSequentialImageOfASceneFile) {
  const std::string scene = PYGMY_SCENES_DIR "/tiny.json";
  const Outcome outcome = mpirun(3, kTcpOnLoopback, scene + " -j 1 --band-rows 3 -o tcp.tif");
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_TRUE(pygmy::read_tiff(dir_ / "tcp.tif") ==
              pygmy::render_sequential(pygmy::load_scene(scene)));
}

TEST_F(MpiRenderTest, EachRankForksItsOwnWorkersWithJobs) {
  const Outcome outcome = mpirun(2, kSharedMemory, "--size 120x80 -j 3 --band-rows 10");
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_TRUE(pygmy::read_tiff(dir_ / "test.tif") == pygmy::render_sequential(small_scene()));
  EXPECT_NE(outcome.out.find(", 2 ranks of 3 processes (mpi), 8 bands of 10 rows, "),
            std::string::npos)
      << outcome.out;
}

TEST_F(MpiRenderTest, OneRankRendersEveryBandItself) {
  const Outcome outcome = mpirun(1, kSharedMemory, "--size 120x80 -j 1 --band-rows 20");
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_TRUE(pygmy::read_tiff(dir_ / "test.tif") == pygmy::render_sequential(small_scene()));
  EXPECT_NE(outcome.out.find("bands per rank 4\n"), std::string::npos) << outcome.out;
}

TEST_F(MpiRenderTest, OnlyRankZeroWritesAFileAndPrintsTheSummary) {
  const Outcome outcome = mpirun(3, kSharedMemory, "--size 120x80 -j 1 --band-rows 2 -o one.tif");
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(left_behind(), std::vector<std::string>{"one.tif"});
  EXPECT_EQ(pygmy::app::test::line_count(outcome.out), 1U) << outcome.out;
  EXPECT_NE(outcome.out.find("pygmy: one.tif 120x80, scene builtin, 3 ranks of 1 process (mpi), "
                             "40 bands of 2 rows"),
            std::string::npos)
      << outcome.out;
  EXPECT_EQ(outcome.err, "");
}

TEST_F(MpiRenderTest, AKilledRankEndsTheJobWithNoFileAndNoTemporary) {
  for (const std::string rank : {"1", "2"}) {
    const Outcome outcome = mpirun(3, kSharedMemory, "--size 120x80 -j 1 --band-rows 1",
                                   "PYGMY_MPI_KILL_AT=" + rank + ":3");
    EXPECT_NE(outcome.exit_code, 0) << "rank " << rank;
    EXPECT_NE(outcome.err.find("rank " + rank + " with PID"), std::string::npos) << outcome.err;
    EXPECT_NE(outcome.err.find("exited on signal 9"), std::string::npos) << outcome.err;
    EXPECT_TRUE(left_behind().empty()) << "rank " << rank << ": " << outcome.err;
  }
}

TEST_F(MpiRenderTest, AKilledRankWithLocalWorkersEndsTheJobToo) {
  const Outcome outcome =
      mpirun(2, kSharedMemory, "--size 120x80 -j 2 --band-rows 4", "PYGMY_MPI_KILL_AT=1:2");
  EXPECT_NE(outcome.exit_code, 0);
  EXPECT_NE(outcome.err.find("exited on signal 9"), std::string::npos) << outcome.err;
  EXPECT_TRUE(left_behind().empty()) << outcome.err;
}

// The deadline of bands under mpirun is --band-timeout, as for the local schedulers: 3 s here.

TEST_F(MpiRenderTest, AStalledWorkerOfARankHasItsPartRenderedByThatRank) {
  // Rank 1's first forked worker stops (SIGSTOP) as it starts its part of the rank's third band.
  const Outcome outcome =
      mpirun(2, kSharedMemory, "--size 120x80 -j 2 --band-rows 4 --band-timeout 3 -o w.tif",
             "PYGMY_MPI_STOP_WORKER_AT=1:3");
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_TRUE(pygmy::read_tiff(dir_ / "w.tif") == pygmy::render_sequential(small_scene()));
  EXPECT_EQ(left_behind(), std::vector<std::string>{"w.tif"});
}

TEST_F(MpiRenderTest, AStalledRankEndsTheJobNamingItWithNoFileAndNoTemporary) {
  const Outcome outcome =
      mpirun(3, kSharedMemory, "--size 120x80 -j 1 --band-rows 1 --band-timeout 3",
             "PYGMY_MPI_STOP_AT=2:2");
  // Rank 0 exits with status 1; mpirun then ends the job, and on a loaded machine Open MPI 4.1's
  // mpirun sometimes crashes tearing down a stopped rank (status 139): either way, not 0.
  EXPECT_NE(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.err.find("pygmy: error: rank 2 has held rows "), std::string::npos)
      << outcome.err;
  EXPECT_NE(outcome.err.find("past the deadline of 3.0 s"), std::string::npos) << outcome.err;
  EXPECT_NE(outcome.err.find("it has stalled"), std::string::npos) << outcome.err;
  EXPECT_TRUE(left_behind().empty()) << outcome.err;
}

TEST_F(MpiRenderTest, AStalledRankZeroIsNamedByTheRankItKeepsWaitingAndTheJobEnds) {
  // Rank 0 stops as it starts its twentieth band of 80.
  const Outcome outcome =
      mpirun(2, kSharedMemory, "--size 960x640 -j 1 --band-rows 8 --band-timeout 3",
             "PYGMY_MPI_STOP_AT=0:20");
  EXPECT_EQ(outcome.exit_code, 1) << outcome.err;
  EXPECT_NE(outcome.err.find("pygmy: rank 1: error: rank 0 has kept this rank waiting"),
            std::string::npos)
      << outcome.err;
  EXPECT_TRUE(left_behind().empty()) << outcome.err;
}

TEST_F(MpiRenderTest, CtrlCOnMpirunEndsTheRenderWithNoFileAndNoTemporary) {
  // A render of some seconds, interrupted a second in (mpirun passes it on to every rank as
  // SIGTERM).
  const Outcome outcome = mpirun_interrupted(2, kSharedMemory, "--size 6000x4000 -j 1");
  EXPECT_NE(outcome.exit_code, 0);
  EXPECT_TRUE(left_behind().empty()) << outcome.err;
}

TEST_F(MpiRenderTest, ASceneErrorOnRankZeroEndsEveryRankWithOneMessage) {
  const Outcome outcome = mpirun(3, kSharedMemory, "missing.json");
  EXPECT_EQ(outcome.exit_code, 1);  // rank 0's, as without MPI
  EXPECT_NE(outcome.err.find("pygmy: error: missing.json:1:1: expected a readable scene file"),
            std::string::npos)
      << outcome.err;
  EXPECT_TRUE(left_behind().empty());
}

TEST_F(MpiRenderTest, AnEmptySceneFileIsAnErrorNotTheBuiltInScene) {
  std::ofstream(dir_ / "empty.json").flush();
  const Outcome outcome = mpirun(2, kSharedMemory, "empty.json");
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("pygmy: error: empty.json:"), std::string::npos) << outcome.err;
  EXPECT_EQ(left_behind(), std::vector<std::string>{"empty.json"});
}

TEST_F(MpiRenderTest, ABandTimeoutIsTakenByMpiAsByTheLocalSchedulers) {
  const Outcome outcome = mpirun(2, kSharedMemory, "--size 120x80 --band-timeout 5 -o t.tif");
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_TRUE(pygmy::read_tiff(dir_ / "t.tif") == pygmy::render_sequential(small_scene()));
}

}  // namespace
