// `pygmy render --worker-map` end to end: the map beside the image, a colour per worker.
#include <signal.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "command_runner.hpp"
#include "pygmy/png.hpp"
#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"
#include "pygmy/tiff.hpp"
#include "worker_map.hpp"

namespace pygmy::app::test {
namespace {

class WorkerMapCommandTest : public ScratchDirectoryTest {};

// The distinct colours of `map` below the first row of each band of `band_rows` rows: the
// colours of the workers, without the lines between bands. Its left half only, which the legend
// in the top right corner never reaches.
std::set<std::array<std::uint8_t, 3>> fill_colours(const Image& map, int band_rows) {
  std::set<std::array<std::uint8_t, 3>> colours;
  for (int y = 0; y < map.height(); ++y) {
    if (y % band_rows == 0) {
      continue;
    }
    const auto row = map.row(y);
    for (std::size_t x = 0; x < static_cast<std::size_t>(map.width() / 2) * 3; x += 3) {
      colours.insert({row[x], row[x + 1], row[x + 2]});
    }
  }
  return colours;
}

TEST_F(WorkerMapCommandTest, PoolPaintsAColourPerProcessAndExchangeAColourPerBand) {
  // 40 rows in bands of 5: 8 bands. Pool's two processes (this one and one it forks) may not
  // both get a band of so small an image; exchange's eight processes each get one.
  for (const auto& [scheduler, most] : {std::pair<std::string, std::size_t>{"pool", 2},
                                        std::pair<std::string, std::size_t>{"exchange", 8}}) {
    const Outcome outcome = run({"render", "-q", "--size", "60x40", "--band-rows", "5", "-j", "2",
                                 "--scheduler", scheduler, "--worker-map", "map.tif"});
    ASSERT_EQ(outcome.exit_code, 0) << scheduler << outcome.err;
    const Image map = read_tiff(dir_ / "map.tif");
    ASSERT_EQ(map.width(), 60);
    ASSERT_EQ(map.height(), 40);
    const std::size_t colours = fill_colours(map, 5).size();
    EXPECT_LE(colours, most) << scheduler;
    EXPECT_GE(colours, scheduler == "exchange" ? most : 1U) << scheduler;
    EXPECT_TRUE(read_tiff(dir_ / "test.tif") ==
                render_sequential(with_size(builtin_scene(), 60, 40)))
        << scheduler;
  }
}

TEST_F(WorkerMapCommandTest, TheCommandListsEachWorkersColourAndTheMapShowsTheSameLegend) {
  // 80 rows in bands of 20: exchange forks a process for each, so four workers, one band each
  // (one at a time: no note of more processes than CPUs on stderr).
  const Outcome outcome = run({"render", "--size", "120x80", "--band-rows", "20", "-j", "1",
                               "--scheduler", "exchange", "--worker-map", "map.png"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  std::string expected = "pygmy: worker map map.png, a colour for each worker:\n";
  for (int worker = 0; worker < 4; ++worker) {
    const LegendEntry entry{.worker = worker, .number = worker + 1, .bands = 1, .rows = 20};
    expected.append("  ").append(legend_line(entry, "worker")).append("\n");
  }
  EXPECT_EQ(outcome.err, expected);
  EXPECT_NE(outcome.err.find("  worker 1: blue #4e79a7, 1 band, 20 rows\n"), std::string::npos);

  const Image map = read_png(dir_ / "map.png");
  std::vector<LegendEntry> legend;
  for (int worker = 0; worker < 4; ++worker) {
    legend.push_back({.worker = worker, .number = worker + 1, .bands = 1, .rows = 20});
  }
  const std::optional<LegendLayout> layout = legend_layout(120, 80, legend);
  ASSERT_TRUE(layout) << "a 120x80 map has room for four workers' legend";
  for (std::size_t i = 0; i < legend.size(); ++i) {
    const auto [x, y] = layout->swatches[i];
    const auto at = static_cast<std::size_t>(x) * 3;
    const Rgb8 swatch{map.row(y)[at], map.row(y)[at + 1], map.row(y)[at + 2]};
    EXPECT_EQ(swatch, worker_colour(static_cast<int>(i))) << "worker " << i + 1;
  }
  const auto corner = static_cast<std::size_t>(layout->x) * 3;
  EXPECT_EQ((Rgb8{map.row(layout->y)[corner], map.row(layout->y)[corner + 1],
                  map.row(layout->y)[corner + 2]}),
            kLegendFrame);

  // Quiet lists nothing; the map keeps its legend.
  const Outcome quiet = run({"render", "-q", "--size", "120x80", "--band-rows", "20", "-j", "1",
                             "--scheduler", "exchange", "--worker-map", "quiet.png"});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err, "");
  EXPECT_TRUE(read_png(dir_ / "quiet.png") == map);
}

TEST_F(WorkerMapCommandTest, AWorkerMapNamingTheOutputIsAUsageErrorThatWritesNothing) {
  for (const std::string map : {"test.tif", "./test.tif"}) {
    const Outcome outcome = run({"render", "--size", "8x8", "--worker-map", map});
    EXPECT_EQ(outcome.exit_code, 2) << map << outcome.err;
    EXPECT_EQ(outcome.err.rfind("pygmy: --worker-map: ", 0), 0U) << outcome.err;
    EXPECT_EQ(line_count(outcome.err), 1U) << outcome.err;
    EXPECT_EQ(left_behind(), std::vector<std::string>{}) << map;
  }
}

TEST_F(WorkerMapCommandTest, AWorkerMapInAMissingDirectoryFailsBeforeRendering) {
  // Rendering 10000x10000 would take minutes: the command must fail first.
  Command command(
      dir_, {"render", "--size", "10000x10000", "-j", "2", "--worker-map", "missing/map.tif"});
  const Outcome outcome = command.wait(std::chrono::seconds(5));
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("missing/map.tif"), std::string::npos) << outcome.err;
  EXPECT_EQ(left_behind(), std::vector<std::string>{});
}

TEST_F(WorkerMapCommandTest, CtrlCRemovesTheTemporariesOfBothTheImageAndTheMap) {
  // Seconds of rendering: long enough to be interrupted once both temporaries exist.
  Command command(dir_, {"render", "--size", "4000x4000", "-j", "2", "--worker-map", "map.tif"});
  for (int i = 0; i < 2000 && command.children().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(command.children().empty()) << "no worker appeared";
  EXPECT_EQ(left_behind().size(), 2U) << "the image's and the map's temporaries";
  ::kill(command.pid(), SIGINT);
  EXPECT_EQ(command.wait(std::chrono::seconds(2)).signal, SIGINT);
  EXPECT_EQ(left_behind(), std::vector<std::string>{});
}

}  // namespace
}  // namespace pygmy::app::test
