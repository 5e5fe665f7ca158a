// The pygmy command end to end: usage, errors, where the TIFF goes, killed workers and signals.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <tiffio.h>

#include "build_info.hpp"
#include "command_runner.hpp"
#include "pprocess/cores.hpp"
#include "pygmy/png.hpp"
#include "pygmy/render.hpp"
#include "pygmy/scene.hpp"
#include "pygmy/scene_file.hpp"
#include "pygmy/tiff.hpp"
#include "sanitized.hpp"

namespace {

namespace fs = std::filesystem;

using pygmy::app::test::alive;
using pygmy::app::test::Command;
using pygmy::app::test::line_count;
using pygmy::app::test::Outcome;
using pygmy::app::test::shown;
using pygmy::app::test::slurp;
using pygmy::app::test::state_of;

// Bytes process `pid` has passed to write() and send() so far (wchar in /proc/<pid>/io).
long long bytes_written(pid_t pid) {
  std::ifstream io("/proc/" + std::to_string(pid) + "/io");
  std::string key;
  long long value = -1;
  while (io >> key >> value) {
    if (key == "wchar:") {
      return value;
    }
  }
  return -1;
}

// A scene whose rows all cost the same, unlike the built-in one (its sky is cheap): a wall
// filling the picture with a second plane one unit behind it, so that every one of `samples`
// occlusion samples of every pixel is tested against that plane.
std::string even_scene(int width, int height, int samples) {
  return R"({"image": {"width": )" + std::to_string(width) + R"(, "height": )" +
         std::to_string(height) + R"(},
  "camera": {"type": "perspective", "image_plane": 5.0, "back_plane": 2000.0},
  "trace_depth": 0, "seed": 1,
  "shaders": {"wall": {"type": "everything", "reflect": 0.5,
                       "occlusion": {"samples": )" +
         std::to_string(samples) + R"(, "distance": 2.5}}},
  "objects": [{"type": "plane", "normal": [0, 0, 1], "distance": -50, "shader": "wall"},
              {"type": "plane", "normal": [0, 0, 1], "distance": -51, "shader": "wall"}],
  "lights": [{"type": "point", "position": [0, 0, 0], "colour": [1, 1, 1]}]})";
}

class CommandTest : public pygmy::app::test::ScratchDirectoryTest {
 protected:
  // Waits (at most 20 s) until the command has at least `count` workers; returns them.
  static std::set<pid_t> workers_of(const Command& command, std::size_t count = 1) {
    std::set<pid_t> children = command.children();
    for (int i = 0; i < 2000 && children.size() < count; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      children = command.children();
    }
    return children;
  }

  // Sends `signal` to a render of two bands that take seconds each, once both workers run: the
  // command and both workers must be gone within a second (far sooner than a band would end),
  // and neither test.tif nor its temporary may be left.
  // A process per band (exchange), so that both workers are certain to be running.
  void expect_signal_ends_the_render_cleanly(int signal) {
    std::ofstream(dir_ / "even.json") << even_scene(200, 100, 10000);
    Command command(
        dir_, {"render", "even.json", "-j", "2", "--band-rows", "50", "--scheduler", "exchange"});
    const std::set<pid_t> workers = workers_of(command, 2);
    ASSERT_EQ(workers.size(), 2U) << "the two workers did not appear";
    ::kill(command.pid(), signal);
    const Outcome outcome = command.wait(std::chrono::seconds(1));
    EXPECT_EQ(outcome.signal, signal) << outcome.err;
    // The workers are orphans now (their parent is gone): each must end at once.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    for (pid_t worker : workers) {
      while (alive(worker) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      EXPECT_FALSE(alive(worker)) << "worker " << worker << " is still running";
    }
    EXPECT_EQ(left_behind(), std::vector<std::string>{"even.json"});
  }
};

// The TIFF tags the command sets beyond the pixels: Software and ImageDescription.
std::pair<std::string, std::string> software_and_description(const fs::path& file) {
  TIFF* tiff = TIFFOpen(file.c_str(), "r");
  if (tiff == nullptr) {
    throw std::runtime_error("cannot open " + file.string());
  }
  char* software = nullptr;
  char* description = nullptr;
  TIFFGetField(tiff, TIFFTAG_SOFTWARE, &software);
  TIFFGetField(tiff, TIFFTAG_IMAGEDESCRIPTION, &description);
  std::pair<std::string, std::string> tags(software != nullptr ? software : "",
                                           description != nullptr ? description : "");
  TIFFClose(tiff);
  return tags;
}

TEST_F(CommandTest, RendersTheBuiltInSceneToTestTifAndPrintsASummary) {
  const Outcome outcome = run({"render", "-j", "2"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("test.tif 300x200"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("2 processes"), std::string::npos) << outcome.out;
  EXPECT_EQ(line_count(outcome.out), 1U) << outcome.out;
  const pygmy::Image image = pygmy::read_tiff(dir_ / "test.tif");
  EXPECT_TRUE(image == pygmy::render_sequential(pygmy::builtin_scene()));
}

TEST_F(CommandTest, EveryKindOfTiffPassesTiffinfoWithoutWarnings) {
  if (std::system("command -v tiffinfo > /dev/null") != 0) {
    GTEST_SKIP() << "no tiffinfo";
  }
  struct Kind {
    std::vector<std::string> options;
    std::string bits;
    std::string compression;
  };
  const std::vector<Kind> kinds = {
      {{}, "8", "None"},
      {{"--compression", "deflate"}, "8", "AdobeDeflate"},
      {{"--compression", "lzw"}, "8", "LZW"},
      {{"--bits", "16"}, "16", "None"},
      {{"--bits", "16", "--compression", "lzw"}, "16", "LZW"},
  };
  for (const Kind& kind : kinds) {
    std::vector<std::string> args = {"render", "--quiet"};
    args.insert(args.end(), kind.options.begin(), kind.options.end());
    ASSERT_EQ(run(args).exit_code, 0) << shown(args);
    const std::string command = "tiffinfo -D " + (dir_ / "test.tif").string() + " > " +
                                (dir_ / "info.txt").string() + " 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << shown(args);
    const std::string info = slurp(dir_ / "info.txt");
    EXPECT_EQ(info.find("arning"), std::string::npos) << shown(args) << info;
    EXPECT_EQ(info.find("rror"), std::string::npos) << shown(args) << info;
    EXPECT_NE(info.find("Image Width: 300 Image Length: 200"), std::string::npos)
        << shown(args) << info;
    EXPECT_NE(info.find("Bits/Sample: " + kind.bits + "\n"), std::string::npos)
        << shown(args) << info;
    EXPECT_NE(info.find("Compression Scheme: " + kind.compression + "\n"), std::string::npos)
        << shown(args) << info;
    EXPECT_NE(info.find("scheduler=pool"), std::string::npos) << shown(args) << info;
  }
}

TEST_F(CommandTest, AnOutputNamedPngIsAPngOfThePixelsOfTheTiff) {
  const pygmy::app::test::Launch reproducible{.environment = {"SOURCE_DATE_EPOCH=1700000000"}};
  ASSERT_EQ(run({"render", "-q", "--size", "64x40", "-o", "out.tif"}, reproducible).exit_code, 0);
  const Outcome png = run({"render", "--size", "64x40", "-o", "out.png"}, reproducible);
  ASSERT_EQ(png.exit_code, 0) << png.err;
  EXPECT_EQ(png.out.rfind("pygmy: out.png 64x40, ", 0), 0U) << png.out;
  EXPECT_EQ(slurp(dir_ / "out.png").substr(0, 8), "\x89PNG\r\n\x1a\n");
  EXPECT_EQ(pygmy::read_png(dir_ / "out.png"), pygmy::read_tiff(dir_ / "out.tif"));
  // 16 bits, an extension in capitals, and a worker map named as a PNG too.
  const Outcome deep = run({"render", "-q", "--size", "64x40", "--bits", "16", "-o", "DEEP.PNG",
                            "--worker-map", "map.png"});
  ASSERT_EQ(deep.exit_code, 0) << deep.err;
  EXPECT_EQ(pygmy::read_png(dir_ / "DEEP.PNG"), pygmy::read_tiff(dir_ / "out.tif"));
  EXPECT_EQ(pygmy::read_png(dir_ / "map.png").width(), 64);
  std::vector<std::string> left = left_behind();
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"DEEP.PNG", "map.png", "out.png", "out.tif"}));
}

TEST_F(CommandTest, AnOutputWithAnotherExtensionIsAUsageErrorNamingTheFormats) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"render", "-o", "out.jpg"},
                                               {"render", "-o", "out.tif.gz"},
                                               {"render", "--worker-map", "map.bmp"},
                                               {"collect", "r.socket", "-o", "out.jpg"}}) {
    const Outcome outcome = run(args);
    EXPECT_EQ(outcome.exit_code, 2) << shown(args) << outcome.err;
    EXPECT_NE(outcome.err.find("expected a name ending .tif or .tiff (TIFF) or .png (PNG), got '" +
                               args.back() + "'"),
              std::string::npos)
        << shown(args) << outcome.err;
    EXPECT_EQ(line_count(outcome.err), 1U) << outcome.err;
  }
  EXPECT_EQ(left_behind(), std::vector<std::string>{});
}

TEST_F(CommandTest, AFormatOrCompressionAtOddsWithTheOutputIsAUsageError) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"render", "-o", "out.tif", "--format", "png"},
        {"render", "-o", "out.png", "--format", "tiff"},
        {"render", "-o", "out.png", "--compression", "lzw"},
        {"render", "--format", "png", "--compression", "deflate"},
        {"render", "--format", "jpeg"},
        {"collect", "r.socket", "-o", "out.png", "--compression", "lzw"}}) {
    const Outcome outcome = run(args);
    EXPECT_EQ(outcome.exit_code, 2) << shown(args) << outcome.err;
    EXPECT_EQ(outcome.err.rfind("pygmy: ", 0), 0U) << outcome.err;
    EXPECT_EQ(line_count(outcome.err), 1U) << outcome.err;
  }
  EXPECT_EQ(left_behind(), std::vector<std::string>{});
}

TEST_F(CommandTest, DashAsTheOutputWritesTheImageToStandardOutputAndTheSummaryToStderr) {
  const pygmy::Image expected =
      pygmy::render_sequential(pygmy::with_size(pygmy::builtin_scene(), 16, 8));
  // Standard output a file, as after '> out.tif'.
  const Outcome outcome = run({"render", "--size", "16x8", "-o", "-"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(outcome.err.rfind("pygmy: standard output 16x8, ", 0), 0U) << outcome.err;
  EXPECT_EQ(pygmy::read_tiff(dir_ / "out.txt"), expected);
  EXPECT_EQ(left_behind(), std::vector<std::string>{});
  // Through pipes, as TIFF and as PNG.
  const std::string command = "cd " + dir_.string() + " && " PYGMY_COMMAND;
  ASSERT_EQ(std::system((command + " render -q --size 16x8 -o - | cat > piped.tif").c_str()), 0);
  EXPECT_EQ(pygmy::read_tiff(dir_ / "piped.tif"), expected);
  ASSERT_EQ(
      std::system((command + " render -q --size 16x8 -o - --format png | cat > piped.png").c_str()),
      0);
  EXPECT_EQ(pygmy::read_png(dir_ / "piped.png"), expected);
}

TEST_F(CommandTest, DashAsTheSceneReadsItFromStandardInput) {
  const std::string tiny = PYGMY_SCENES_DIR "/tiny.json";
  const std::string command = "cd " + dir_.string() + " && " PYGMY_COMMAND;
  ASSERT_EQ(std::system((command + " render - -q -o redirected.tif < " + tiny).c_str()), 0);
  // The pipe goes to the command, not to cd.
  ASSERT_EQ(std::system(("cd " + dir_.string() + " && cat " + tiny +
                         " | " PYGMY_COMMAND " render - -q -o piped.tif")
                            .c_str()),
            0);
  const pygmy::Image expected = pygmy::render_sequential(pygmy::load_scene(tiny));
  EXPECT_EQ(pygmy::read_tiff(dir_ / "redirected.tif"), expected);
  EXPECT_EQ(pygmy::read_tiff(dir_ / "piped.tif"), expected);
  EXPECT_NE(software_and_description(dir_ / "piped.tif").second.find("scene=stdin "),
            std::string::npos);
  // Nothing on standard input (the runner gives it /dev/null) is no scene.
  const Outcome empty = run({"render", "-", "-o", "empty.tif"});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_EQ(empty.err.rfind("pygmy: error: stdin:", 0), 0U) << empty.err;
  EXPECT_FALSE(fs::exists(dir_ / "empty.tif"));
}

TEST_F(CommandTest, StandardOutputIsForTheImageOnly) {
  const Outcome outcome = run({"render", "--size", "8x8", "--worker-map", "-"});
  EXPECT_EQ(outcome.exit_code, 2) << outcome.err;
  EXPECT_NE(outcome.err.find("--worker-map: expected a file"), std::string::npos) << outcome.err;
  EXPECT_EQ(left_behind(), std::vector<std::string>{});
}

TEST_F(CommandTest, TheTiffNamesThePygmyVersionAndCommitAsItsSoftwareAt72PixelsPerInch) {
  ASSERT_EQ(run({"render", "--quiet", "--size", "30x20"}).exit_code, 0);
  const std::string software = software_and_description(dir_ / "test.tif").first;
  EXPECT_EQ(software, pygmy::app::software());
  EXPECT_EQ(software.rfind("pygmy " PYGMY_VERSION " (commit ", 0), 0U) << software;
  EXPECT_NE(software.find(std::string(pygmy::app::commit()) + ")"), std::string::npos) << software;
  EXPECT_FALSE(pygmy::app::commit().empty());

  TIFF* tiff = TIFFOpen((dir_ / "test.tif").c_str(), "r");
  ASSERT_NE(tiff, nullptr);
  float x_resolution = 0;
  float y_resolution = 0;
  std::uint16_t unit = 0;
  TIFFGetField(tiff, TIFFTAG_XRESOLUTION, &x_resolution);
  TIFFGetField(tiff, TIFFTAG_YRESOLUTION, &y_resolution);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_RESOLUTIONUNIT, &unit);
  TIFFClose(tiff);
  EXPECT_EQ(x_resolution, 72.0F);
  EXPECT_EQ(y_resolution, 72.0F);
  EXPECT_EQ(unit, RESUNIT_INCH);
}

// The texts and resolution of a PNG, read from its chunks: tEXt keyword and text, pHYs.
struct PngFacts {
  std::map<std::string, std::string> texts;
  std::uint32_t x_pixels_per_metre = 0;
  std::uint32_t y_pixels_per_metre = 0;
  int unit = -1;
};

PngFacts png_facts(const fs::path& file) {
  const std::string bytes = slurp(file);
  const auto number = [&bytes](std::size_t at) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      value = (value << 8) | static_cast<unsigned char>(bytes.at(at + i));
    }
    return value;
  };
  PngFacts facts;
  // After the 8-byte signature, chunks: length, type, data, CRC.
  for (std::size_t at = 8; at + 8 <= bytes.size();) {
    const std::uint32_t length = number(at);
    const std::string type = bytes.substr(at + 4, 4);
    const std::string data = bytes.substr(at + 8, length);
    if (type == "tEXt") {
      const std::size_t nul = data.find('\0');
      facts.texts[data.substr(0, nul)] = data.substr(nul + 1);
    } else if (type == "pHYs" && data.size() == 9) {
      facts.x_pixels_per_metre = number(at + 8);
      facts.y_pixels_per_metre = number(at + 12);
      facts.unit = static_cast<unsigned char>(data[8]);
    }
    at += 12 + length;
  }
  return facts;
}

TEST_F(CommandTest, ThePngNamesTheVersionAndCommitDescribesTheRenderAndHas72PixelsPerInch) {
  const Outcome outcome = run({"render", "-q", "--size", "30x20", "--seed", "7", "-o", "out.png"},
                              {.environment = {"SOURCE_DATE_EPOCH=1700000000"}});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  PngFacts facts = png_facts(dir_ / "out.png");
  EXPECT_EQ(facts.texts["Software"], pygmy::app::software());
  EXPECT_NE(facts.texts["Software"].find("(commit " + std::string(pygmy::app::commit()) + ")"),
            std::string::npos);
  EXPECT_EQ(facts.texts["Description"].rfind("scene=builtin seed=7 ", 0), 0U)
      << facts.texts["Description"];
  EXPECT_EQ(facts.texts["Creation Time"], "Tue, 14 Nov 2023 22:13:20 +0000");
  EXPECT_EQ(facts.unit, 1);                    // the metre
  EXPECT_EQ(facts.x_pixels_per_metre, 2835U);  // 72 per inch
  EXPECT_EQ(facts.y_pixels_per_metre, 2835U);
}

TEST_F(CommandTest, MoreProcessesThanCpusAreNotedAndAsManyAreNot) {
  const unsigned cpus = pprocess::available_cpus();
  const std::string more = std::to_string(cpus + 1);
  const Outcome over = run({"render", "--size", "40x20", "-j", more, "-o", "over.tif"});
  ASSERT_EQ(over.exit_code, 0) << over.err;
  EXPECT_EQ(over.err, "pygmy: note: -j " + more + " is more than the " + std::to_string(cpus) +
                          (cpus == 1 ? " CPU" : " CPUs") +
                          " this process may use; the processes share them\n");
  const Outcome threads =
      run({"render", "--size", "40x20", "-j", more, "--scheduler", "threads", "-o", "t.tif"});
  ASSERT_EQ(threads.exit_code, 0) << threads.err;
  EXPECT_NE(threads.err.find("; the threads share them\n"), std::string::npos) << threads.err;
  // As many as the CPUs, the default, and a scheduler without workers of its own: no note.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"render", "--size", "40x20", "-j", std::to_string(cpus)},
        std::vector<std::string>{"render", "--size", "40x20"},
        std::vector<std::string>{"render", "--size", "40x20", "-j", more, "--scheduler",
                                 "sequential"}}) {
    const Outcome outcome = run(args);
    ASSERT_EQ(outcome.exit_code, 0) << shown(args) << outcome.err;
    EXPECT_EQ(outcome.err, "") << shown(args);
  }
  // Quiet notes nothing.
  const Outcome quiet = run({"render", "-q", "--size", "40x20", "-j", more});
  EXPECT_EQ(quiet.err, "");
}

TEST_F(CommandTest, TheSummaryCountsInTheSingularAndShowsTheBandRowsUsed) {
  const Outcome outcome = run({"render", "--scheduler", "sequential", "--band-rows", "500"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find(", 1 process (sequential), 1 band of 200 rows, "), std::string::npos)
      << outcome.out;
  EXPECT_NE(software_and_description(dir_ / "test.tif").second.find(" band_rows=200 "),
            std::string::npos);

  const Outcome threads = run({"render", "--scheduler", "threads", "-j", "1", "--band-rows", "16"});
  ASSERT_EQ(threads.exit_code, 0) << threads.err;
  EXPECT_NE(threads.out.find(", 1 thread (threads), 13 bands of 16 rows, "), std::string::npos)
      << threads.out;
}

// The figures of the summary line a render prints, read back from it.
struct Summary {
  unsigned processes = 0;
  std::string scheduler;
  std::size_t bands = 0;
  double seconds = -1;
  double cpu_seconds = -1;
  std::size_t forks = 0;
  double bands_per_worker = 0;
  // Millions a CPU second; shown once the render took measurable CPU time.
  std::optional<double> segments_per_cpu_second;
};

std::optional<Summary> parse_summary(const std::string& text) {
  static const std::regex pattern(
      R"(pygmy: \S+ \d+x\d+, scene \S+, (\d+) (?:process|processes|thread|threads) \((\w+)\), )"
      R"((\d+) bands? (?:of|planned by cost, up to) \d+ rows, ([0-9.]+) s, CPU ([0-9.]+) s, )"
      R"((\d+) forks?, )"
      R"(([0-9.]+) bands? per (?:process|thread))"
      R"((?:, ([0-9.]+) M segments per CPU second)?\n)");
  std::smatch m;
  if (!std::regex_match(text, m, pattern)) {
    return std::nullopt;
  }
  return Summary{static_cast<unsigned>(std::stoul(m[1])),
                 m[2],
                 std::stoul(m[3]),
                 std::stod(m[4]),
                 std::stod(m[5]),
                 std::stoul(m[6]),
                 std::stod(m[7]),
                 m[8].matched ? std::optional<double>(std::stod(m[8])) : std::nullopt};
}

TEST_F(CommandTest, TheSummaryCountsTheForksOfEachSchedulerAndTheBandsEachWorkerRendered) {
  struct Case {
    std::string scheduler;
    std::size_t forks;  // expected, for 10 bands on 2 processes
    // Bands over the workers that rendered any, where that does not depend on who is quicker
    // (a thread, or pool's own process, may take every band before the other starts).
    std::optional<double> bands_per_worker;
  };
  for (const Case& c : {Case{"pool", 1, {}}, Case{"exchange", 10, 1}, Case{"threads", 0, {}},
                        Case{"sequential", 0, 10}}) {
    const Outcome outcome = run(
        {"render", "--size", "60x40", "--band-rows", "4", "-j", "2", "--scheduler", c.scheduler});
    ASSERT_EQ(outcome.exit_code, 0) << c.scheduler << outcome.err;
    const std::optional<Summary> summary = parse_summary(outcome.out);
    ASSERT_TRUE(summary) << "not a summary line: " << outcome.out;
    EXPECT_EQ(summary->scheduler, c.scheduler);
    EXPECT_EQ(summary->processes, c.scheduler == "sequential" ? 1U : 2U) << outcome.out;
    EXPECT_EQ(summary->bands, 10U) << outcome.out;
    EXPECT_EQ(summary->forks, c.forks) << outcome.out;
    if (c.scheduler == "pool") {
      // This process is one of the workers: it forks the others.
      EXPECT_EQ(summary->forks, summary->processes - 1) << outcome.out;
    }
    if (c.scheduler == "exchange") {
      EXPECT_EQ(summary->forks, summary->bands) << outcome.out;
    }
    if (c.bands_per_worker) {
      EXPECT_EQ(summary->bands_per_worker, *c.bands_per_worker) << outcome.out;
    }
    // A 60x40 image may render in under the half millisecond the summary's three decimals show.
    EXPECT_GE(summary->seconds, 0) << outcome.out;
    EXPECT_GE(summary->cpu_seconds, 0) << outcome.out;
  }
}

TEST_F(CommandTest, TheSummaryGivesTheTracersSpeedForProcessesAndThreadsAlike) {
  for (const std::string scheduler : {"pool", "exchange", "threads", "sequential"}) {
    const Outcome outcome =
        run({"render", "--size", "300x200", "-j", "2", "--scheduler", scheduler});
    ASSERT_EQ(outcome.exit_code, 0) << scheduler << outcome.err;
    const std::optional<Summary> summary = parse_summary(outcome.out);
    ASSERT_TRUE(summary) << "not a summary line: " << outcome.out;
    // That every worker's tests are counted exactly is the schedulers' test; here, that it shows.
    ASSERT_TRUE(summary->segments_per_cpu_second) << outcome.out;
    EXPECT_GT(*summary->segments_per_cpu_second, 0.0) << outcome.out;
  }
}

TEST_F(CommandTest, QuietPrintsNothing) {
  const Outcome outcome = run({"render", "-q", "-o", "quiet.tif"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(outcome.out, "");
  EXPECT_EQ(outcome.err, "");
  EXPECT_TRUE(fs::exists(dir_ / "quiet.tif"));
}

TEST_F(CommandTest, RendersASceneFileAtAnotherSize) {
  const Outcome outcome = run({"render", PYGMY_SCENES_DIR "/tiny.json", "--size", "64x40", "-o",
                               "tiny.tif", "--scheduler", "map", "--band-rows", "3"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  const pygmy::Image image = pygmy::read_tiff(dir_ / "tiny.tif");
  const pygmy::Scene scene =
      pygmy::with_size(pygmy::load_scene(PYGMY_SCENES_DIR "/tiny.json"), 64, 40);
  EXPECT_TRUE(image == pygmy::render_sequential(scene));
}

TEST_F(CommandTest, HelpShowsExamplesAndExitsZero) {
  const Outcome outcome = run({"render", "--help"});
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_NE(outcome.out.find("Examples:"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("--scheduler"), std::string::npos) << outcome.out;
}

TEST_F(CommandTest, HelpPointsToTheSceneFormatInTheSourcesAndWhereItIsInstalled) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--help"}, std::vector<std::string>{"render", "--help"}}) {
    const Outcome outcome = run(args);
    EXPECT_EQ(outcome.exit_code, 0) << shown(args);
    EXPECT_NE(outcome.out.find("scenes/README.md in the sources"), std::string::npos)
        << outcome.out;
    EXPECT_NE(outcome.out.find("/share/pygmy/scenes/README.md"), std::string::npos) << outcome.out;
  }
}

TEST_F(CommandTest, UsageErrorsExitTwoWithAOneLineReason) {
  const std::vector<std::vector<std::string>> mistakes = {
      {},
      {"paint"},
      {"render", "-j", "0"},
      {"render", "--band-rows", "0"},
      {"render", "--scheduler", "fastest"},
      {"render", "--size", "300by200"},
      {"render", "--bits", "12"},
      {"render", "--no-such-option"},
      {"render", "a.json", "b.json"},
      {"render", "--size", "100000x10"},
      {"render", "--size", "10x65537"},
      {"render", "--seed", "-1"},
      {"render", "--seed", "one"},
      {"render", "-o", ""},
      {"render", "-o", "."},
      {"render", "-o", "existing"},
      {"render", "-o", "new/"},
  };
  fs::create_directory(dir_ / "existing");
  for (const auto& args : mistakes) {
    const Outcome outcome = run(args);
    EXPECT_EQ(outcome.exit_code, 2) << shown(args) << outcome.err;
    EXPECT_EQ(line_count(outcome.err), 1U) << shown(args) << outcome.err;
    EXPECT_EQ(outcome.err.rfind("pygmy: ", 0), 0U) << shown(args) << outcome.err;
    EXPECT_EQ(left_behind(), std::vector<std::string>{"existing"}) << shown(args);
    EXPECT_TRUE(fs::is_empty(dir_ / "existing")) << shown(args);
  }
}

TEST_F(CommandTest, ASeedBeyond64BitsIsAUsageErrorNamingTheLimit) {
  for (const std::string seed : {"18446744073709551616", "99999999999999999999"}) {
    const Outcome outcome = run({"render", "-q", "--size", "8x8", "--seed", seed});
    EXPECT_EQ(outcome.exit_code, 2) << seed << outcome.err;
    EXPECT_NE(outcome.err.find("18446744073709551615"), std::string::npos) << outcome.err;
    EXPECT_NE(outcome.err.find("'" + seed + "'"), std::string::npos) << outcome.err;
    EXPECT_EQ(line_count(outcome.err), 1U) << outcome.err;
    EXPECT_EQ(left_behind(), std::vector<std::string>{}) << seed;
  }
}

TEST_F(CommandTest, ASeedWithLeadingZerosIsDecimal) {
  ASSERT_EQ(run({"render", "-q", "--size", "8x8", "--seed", "010"}).exit_code, 0);
  EXPECT_NE(software_and_description(dir_ / "test.tif").second.find(" seed=10 "),
            std::string::npos);
  ASSERT_EQ(run({"render", "-q", "--size", "8x8", "--seed", "0018446744073709551615"}).exit_code,
            0);
  EXPECT_NE(software_and_description(dir_ / "test.tif").second.find(" seed=18446744073709551615 "),
            std::string::npos);
}

TEST_F(CommandTest, IntegersOnTheCommandLineAreDecimal) {
  // CLI11 alone reads a leading 0 as octal (010 is eight, 08 an error) and 0x as hexadecimal.
  const Outcome ten =
      run({"render", "--size", "64x40", "-j", "010", "--band-rows", "010", "--bits", "016"});
  ASSERT_EQ(ten.exit_code, 0) << ten.err;
  EXPECT_NE(ten.out.find(", 10 processes (pool), 4 bands of 10 rows, "), std::string::npos)
      << ten.out;
  TIFF* tiff = TIFFOpen((dir_ / "test.tif").c_str(), "r");
  ASSERT_NE(tiff, nullptr);
  std::uint16_t bits = 0;
  TIFFGetFieldDefaulted(tiff, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFClose(tiff);
  EXPECT_EQ(bits, 16);
  const Outcome eight = run({"render", "--size", "64x40", "-j", "08", "-o", "eight.tif"});
  ASSERT_EQ(eight.exit_code, 0) << eight.err;
  EXPECT_NE(eight.out.find(", 8 processes (pool), "), std::string::npos) << eight.out;

  for (const std::vector<std::string>& args : {std::vector<std::string>{"render", "-j", "0x10"},
                                               {"render", "--band-rows", "0x10"},
                                               {"render", "--bits", "0x10"},
                                               {"render", "--seed", "0x10"},
                                               {"render", "-j", "+4"},
                                               {"render", "-j", "1e1"},
                                               {"collect", "r.socket", "--bits", "0x10"}}) {
    const Outcome outcome = run(args);
    EXPECT_EQ(outcome.exit_code, 2) << shown(args) << outcome.err;
    EXPECT_NE(
        outcome.err.find("expected a whole number in decimal digits, got '" + args.back() + "'"),
        std::string::npos)
        << shown(args) << outcome.err;
    EXPECT_EQ(line_count(outcome.err), 1U) << shown(args) << outcome.err;
  }
}

TEST_F(CommandTest, AnUnknownCommandIsNamedWithTheCommandsThereAre) {
  const Outcome outcome = run({"bogus"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(outcome.err.rfind("pygmy: unknown command 'bogus'; the commands are: ", 0), 0U)
      << outcome.err;
  EXPECT_NE(outcome.err.find("render"), std::string::npos) << outcome.err;
  EXPECT_EQ(line_count(outcome.err), 1U) << outcome.err;
}

TEST_F(CommandTest, VersionPrintsTheVersionAndTheCommitAndExitsZero) {
  const Outcome outcome = run({"--version"});
  EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(outcome.out,
            "pygmy " PYGMY_VERSION " (commit " + std::string(pygmy::app::commit()) + ")\n");
  EXPECT_EQ(outcome.err, "");
}

TEST_F(CommandTest, AnOutputThatIsADirectoryIsRefusedAsOne) {
  const Outcome outcome = run({"render", "-o", "."});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.err.find("--output: expected the name of a file to write, not a directory"),
            std::string::npos)
      << outcome.err;
}

TEST_F(CommandTest, TheLargestSideAndTheWholeSeedRangeAreAccepted) {
  const Outcome wide = run({"render", "-q", "--size", "65536x1", "--seed", "0", "-o", "wide.tif"});
  ASSERT_EQ(wide.exit_code, 0) << wide.err;
  EXPECT_EQ(pygmy::read_tiff(dir_ / "wide.tif").width(), 65536);
  const Outcome seeded =
      run({"render", "-q", "--size", "8x8", "--seed", "18446744073709551615", "-o", "seed.tif"});
  ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  EXPECT_NE(software_and_description(dir_ / "seed.tif").second.find("seed=18446744073709551615"),
            std::string::npos);
}

TEST_F(CommandTest, ABadSourceDateEpochIsAUsageErrorFoundBeforeRendering) {
  // 2^63 - 1 seconds is past year 9999, the last a TIFF DateTime can hold.
  for (const std::string value : {"9223372036854775807", "253402300800", "-1", "1e9", "soon"}) {
    // Rendering 10000x10000 would take minutes: the command must fail first.
    Command command(dir_, {"render", "--size", "10000x10000", "-j", "2"},
                    {.environment = {"SOURCE_DATE_EPOCH=" + value}});
    const Outcome outcome = command.wait(std::chrono::seconds(5));
    EXPECT_EQ(outcome.exit_code, 2) << value;
    EXPECT_EQ(outcome.err.rfind("pygmy: SOURCE_DATE_EPOCH: ", 0), 0U) << value << outcome.err;
    EXPECT_NE(outcome.err.find("'" + value + "'"), std::string::npos) << outcome.err;
    EXPECT_EQ(line_count(outcome.err), 1U) << outcome.err;
    EXPECT_EQ(left_behind(), std::vector<std::string>{}) << value;
  }
}

TEST_F(CommandTest, SourceDateEpochUpToTheEndOfYear9999SetsTheDateTime) {
  const Outcome outcome =
      run({"render", "-q", "--size", "8x8"}, {.environment = {"SOURCE_DATE_EPOCH=253402300799"}});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  TIFF* tiff = TIFFOpen((dir_ / "test.tif").c_str(), "r");
  ASSERT_NE(tiff, nullptr);
  char* date_time = nullptr;
  TIFFGetField(tiff, TIFFTAG_DATETIME, &date_time);
  EXPECT_STREQ(date_time, "9999:12:31 23:59:59");
  TIFFClose(tiff);
}

TEST_F(CommandTest, AnImageTooLargeForTheMemoryLimitIsRefusedBeforeRendering) {
  if (kSanitized) {
    GTEST_SKIP() << "a sanitizer's shadow memory needs an unlimited address space";
  }
  // 1 GiB of address space: plenty to start, too little for 30000x30000 pixels (2.7 GB).
  Command command(dir_, {"render", "--size", "30000x30000", "-j", "2"},
                  {.address_space = rlim_t{1} << 30});
  const Outcome outcome = command.wait(std::chrono::seconds(10));
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_EQ(outcome.err.rfind("pygmy: error: a 30000x30000 image needs 2.7 GB of memory; ", 0), 0U)
      << outcome.err;
  EXPECT_NE(outcome.err.find("(ulimit -v)"), std::string::npos) << outcome.err;
  EXPECT_EQ(line_count(outcome.err), 1U) << outcome.err;
  EXPECT_EQ(outcome.out, "");
  EXPECT_EQ(left_behind(), std::vector<std::string>{});
}

TEST_F(CommandTest, TheMemoryCheckCountsTheResultsMapAndReuseKeep) {
  if (kSanitized) {
    GTEST_SKIP() << "a sanitizer's shadow memory needs an unlimited address space";
  }
  // 72 MB of pixels: in 120 MB of address space the image fits, as pool holds it, but not beside
  // every band's pixels, which map and reuse keep until the last band is in.
  for (const std::string scheduler : {"map", "reuse"}) {
    Command command(dir_, {"render", "--size", "6000x4000", "-j", "2", "--scheduler", scheduler},
                    {.address_space = rlim_t{120} << 20});
    const Outcome outcome = command.wait(std::chrono::seconds(10));
    EXPECT_EQ(outcome.exit_code, 1) << scheduler;
    EXPECT_EQ(outcome.err.rfind("pygmy: error: a 6000x4000 image needs 144.0 MB of memory; ", 0),
              0U)
        << scheduler << outcome.err;
    EXPECT_EQ(left_behind(), std::vector<std::string>{}) << scheduler;
  }
}

TEST_F(CommandTest, ABrokenSceneFileExitsOneNamingTheFileAndThePlace) {
  std::ofstream(dir_ / "broken.json") << R"({"image": {"width": 30, "height": )";
  const Outcome outcome = run({"render", "broken.json"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("broken.json:"), std::string::npos) << outcome.err;
  EXPECT_FALSE(fs::exists(dir_ / "test.tif"));
}

TEST_F(CommandTest, AMissingSceneFileExitsOneNamingIt) {
  const Outcome outcome = run({"render", "nowhere.json"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("nowhere.json"), std::string::npos) << outcome.err;
}

TEST_F(CommandTest, ADirectoryAsTheSceneExitsOneSayingItIsNotASceneFile) {
  fs::create_directory(dir_ / "scenes");
  const Outcome outcome = run({"render", "scenes"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_EQ(outcome.err, "pygmy: error: scenes:1:1: expected a scene file, got a directory\n");
}

TEST_F(CommandTest, AnOutputInAMissingDirectoryExitsOneNamingItAndLeavesNothing) {
  const Outcome outcome = run({"render", "-o", "missing/dir/out.tif"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("missing/dir/out.tif"), std::string::npos) << outcome.err;
  EXPECT_EQ(line_count(outcome.err), 1U) << outcome.err;
  EXPECT_EQ(left_behind(), std::vector<std::string>{});
}

TEST_F(CommandTest, AnOutputInAMissingDirectoryFailsBeforeRendering) {
  // Rendering 10000x10000 would take minutes and print a summary: the command must fail first.
  Command command(dir_, {"render", "--size", "10000x10000", "-j", "2", "-o", "missing/out.tif"});
  const Outcome outcome = command.wait(std::chrono::seconds(5));
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("missing/out.tif"), std::string::npos) << outcome.err;
  EXPECT_EQ(outcome.out, "");
  EXPECT_EQ(left_behind(), std::vector<std::string>{});
}

// Reads what a command writes into the FIFO `reader` (opened without waiting for a writer) until
// the command closes it; nullopt when it never did, within a minute and two seconds after the
// command ended.
std::optional<std::string> read_to_the_end(int reader, Command& command) {
  std::string data;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd ready{reader, POLLIN, 0};
    if (::poll(&ready, 1, 100) > 0) {
      char buffer[1 << 16];
      const ssize_t got = ::read(reader, buffer, sizeof buffer);
      if (got == 0) {
        return data;  // the writer closed it
      }
      if (got > 0) {
        data.append(buffer, static_cast<std::size_t>(got));
      }
    } else if (!command.running()) {
      deadline = std::min(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(2));
    }
  }
  return std::nullopt;
}

TEST_F(CommandTest, AFifoAsTheOutputIsWrittenInPlaceForItsReader) {
  ASSERT_EQ(::mkfifo((dir_ / "pipe").c_str(), 0600), 0);
  const int reader = ::open((dir_ / "pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  Command command(dir_, {"render", "-q", "--size", "16x8", "-o", "pipe"});
  const std::optional<std::string> tiff = read_to_the_end(reader, command);
  ::close(reader);
  const Outcome outcome = command.wait();
  EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
  ASSERT_TRUE(tiff) << "nothing came through the FIFO";
  struct stat status {};
  ASSERT_EQ(::lstat((dir_ / "pipe").c_str(), &status), 0);
  EXPECT_TRUE(S_ISFIFO(status.st_mode));
  std::ofstream(dir_ / "copy.tif", std::ios::binary) << *tiff;
  EXPECT_TRUE(pygmy::read_tiff(dir_ / "copy.tif") ==
              pygmy::render_sequential(pygmy::with_size(pygmy::builtin_scene(), 16, 8)));
  std::vector<std::string> left = left_behind();
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"copy.tif", "pipe"}));
}

TEST_F(CommandTest, CtrlCEndsACommandWritingToAFifoNobodyReads) {
  ASSERT_EQ(::mkfifo((dir_ / "pipe").c_str(), 0600), 0);
  const int reader = ::open((dir_ / "pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  // 300x200 pixels are more than a pipe holds: the command blocks, writing.
  Command command(dir_, {"render", "-q", "-o", "pipe"});
  pollfd ready{reader, POLLIN, 0};
  for (int i = 0; i < 600 && command.running() && ::poll(&ready, 1, 100) == 0; ++i) {
  }
  ASSERT_TRUE(ready.revents & POLLIN) << "nothing was written";
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ::kill(command.pid(), SIGINT);
  EXPECT_EQ(command.wait(std::chrono::seconds(2)).signal, SIGINT);
  ::close(reader);
}

TEST_F(CommandTest, ASymbolicLinkIsWrittenThroughToItsTargetInAnotherDirectory) {
  fs::create_directory(dir_ / "images");
  std::ofstream(dir_ / "images" / "real.tif") << "old";
  fs::create_symlink("images/real.tif", dir_ / "link.tif");
  fs::create_symlink("link.tif", dir_ / "link-to-link.tif");
  fs::create_symlink("images/new.tif", dir_ / "dangling.tif");
  for (const std::string output : {"link.tif", "link-to-link.tif", "dangling.tif"}) {
    const Outcome outcome = run({"render", "-q", "--size", "8x8", "-o", output});
    EXPECT_EQ(outcome.exit_code, 0) << output << outcome.err;
    EXPECT_TRUE(fs::is_symlink(dir_ / output)) << output;
  }
  EXPECT_EQ(fs::read_symlink(dir_ / "link.tif"), "images/real.tif");
  EXPECT_EQ(pygmy::read_tiff(dir_ / "images" / "real.tif").width(), 8);
  EXPECT_EQ(pygmy::read_tiff(dir_ / "images" / "new.tif").width(), 8);
  std::vector<std::string> left = left_behind();
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left,
            (std::vector<std::string>{"dangling.tif", "images", "link-to-link.tif", "link.tif"}));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "images"), fs::directory_iterator()), 2);
}

TEST_F(CommandTest, AnotherUsersLinkInASharedStickyDirectoryIsRefusedAndItsTargetKept) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root, to give a link to another user";
  }
  // A directory like /tmp, and in it a link of user 65534 (nobody) to a file of root's.
  fs::create_directory(dir_ / "shared");
  fs::permissions(dir_ / "shared", fs::perms(01777));
  std::ofstream(dir_ / "important") << "precious";
  fs::create_symlink(dir_ / "important", dir_ / "shared" / "out.tif");
  ASSERT_EQ(::lchown((dir_ / "shared" / "out.tif").c_str(), 65534, 65534), 0);
  const Outcome outcome = run({"render", "-q", "--size", "8x8", "-o", "shared/out.tif"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_EQ(outcome.err.rfind("pygmy: error: shared/out.tif: not following ", 0), 0U)
      << outcome.err;
  EXPECT_EQ(line_count(outcome.err), 1U) << outcome.err;
  EXPECT_EQ(slurp(dir_ / "important"), "precious");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "shared"), fs::directory_iterator()), 1);
}

TEST_F(CommandTest, ACharacterDeviceIsWrittenInPlace) {
  // As root the command could replace /dev/null, and the whole machine would lose it if it did:
  // root tests a device node of its own, the same device as /dev/null.
  fs::path device = "/dev/null";
  if (::geteuid() == 0) {
    device = dir_ / "null";
    if (::mknod(device.c_str(), S_IFCHR | 0666, ::makedev(1, 3)) != 0) {
      GTEST_SKIP() << "cannot make a device node: " << std::strerror(errno);
    }
    const int probe = ::open(device.c_str(), O_WRONLY | O_CLOEXEC);
    if (probe < 0) {
      GTEST_SKIP() << "device nodes cannot be opened here: " << std::strerror(errno);
    }
    ::close(probe);
  }
  const Outcome outcome = run({"render", "-q", "--size", "8x8", "-o", device});
  EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
  struct stat status {};
  ASSERT_EQ(::lstat(device.c_str(), &status), 0);
  EXPECT_TRUE(S_ISCHR(status.st_mode));
  EXPECT_EQ(status.st_rdev, ::makedev(1, 3));
  if (::geteuid() == 0) {
    EXPECT_EQ(left_behind(), std::vector<std::string>{"null"});
  }
}

TEST_F(CommandTest, ReplacingAFileKeepsItsPermissionBits) {
  std::ofstream(dir_ / "test.tif") << "old";
  fs::permissions(dir_ / "test.tif", fs::perms(0640));
  const Outcome outcome = run({"render", "-q", "--size", "8x8"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(fs::status(dir_ / "test.tif").permissions(), fs::perms(0640));
  EXPECT_EQ(pygmy::read_tiff(dir_ / "test.tif").width(), 8);
}

TEST_F(CommandTest, AReadOnlyOutputIsRefusedBeforeRenderingAndLeftAlone) {
  std::ofstream(dir_ / "test.tif") << "precious";
  fs::permissions(dir_ / "test.tif", fs::perms(0444));
  // Rendering 10000x10000 would take minutes: the command must fail first.
  Command command(dir_, {"render", "--size", "10000x10000", "-j", "2"});
  const Outcome outcome = command.wait(std::chrono::seconds(5));
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_EQ(outcome.err.rfind("pygmy: error: test.tif: ", 0), 0U) << outcome.err;
  EXPECT_NE(outcome.err.find("read-only"), std::string::npos) << outcome.err;
  EXPECT_EQ(line_count(outcome.err), 1U) << outcome.err;
  EXPECT_EQ(slurp(dir_ / "test.tif"), "precious");
  EXPECT_EQ(fs::status(dir_ / "test.tif").permissions(), fs::perms(0444));
  EXPECT_EQ(left_behind(), std::vector<std::string>{"test.tif"});
}

TEST_F(CommandTest, AnOutputNameOf255BytesIsWritten) {
  const std::string name = std::string(251, 'n') + ".tif";
  const Outcome outcome = run({"render", "-q", "--size", "8x8", "-o", name});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(left_behind(), std::vector<std::string>{name});
  EXPECT_EQ(pygmy::read_tiff(dir_ / name).width(), 8);
}

TEST_F(CommandTest, ATemporaryLeftByAKilledRenderIsRemovedByTheNextRenderOfTheSameFile) {
  std::ofstream(dir_ / "even.json") << even_scene(200, 100, 10000);
  std::set<pid_t> workers;
  {
    Command command(
        dir_, {"render", "even.json", "-j", "2", "--band-rows", "50", "--scheduler", "exchange"});
    workers = workers_of(command, 2);
    ASSERT_EQ(workers.size(), 2U) << "the two workers did not appear";
    ::kill(command.pid(), SIGKILL);
    EXPECT_EQ(command.wait().signal, SIGKILL);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (pid_t worker : workers) {
    while (alive(worker) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ASSERT_EQ(left_behind().size(), 2U) << "SIGKILL left no temporary to remove";
  const Outcome outcome = run({"render", "-q", "--size", "8x8"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  std::vector<std::string> left = left_behind();
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"even.json", "test.tif"}));
}

TEST_F(CommandTest, AWorkerKilledBeforeDeliveringHasItsBandRenderedAgain) {
  // Two bands of a fraction of a second each (far longer under a sanitizer).
  std::ofstream(dir_ / "even.json") << even_scene(64, 32, 5000);
  Command command(dir_,
                  {"render", "even.json", "-j", "2", "--band-rows", "16", "-o", "killed.tif"});
  const std::set<pid_t> workers = workers_of(command);
  ASSERT_FALSE(workers.empty()) << "no worker appeared";
  const pid_t victim = *workers.begin();
  // Stopped, the worker cannot deliver while it is looked at; having written nothing, it has not
  // sent its band, so killing it loses the band unless the command renders it again.
  ::kill(victim, SIGSTOP);
  for (int i = 0; i < 1000 && state_of(victim) != 'T'; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(state_of(victim), 'T') << "the worker did not stop";
  ASSERT_EQ(bytes_written(victim), 0) << "the worker had sent its band already: bands too short";
  ::kill(victim, SIGKILL);
  const Outcome outcome = command.wait();
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  const pygmy::Image image = pygmy::read_tiff(dir_ / "killed.tif");
  EXPECT_TRUE(image == pygmy::render_sequential(pygmy::load_scene(dir_ / "even.json")));
}

TEST_F(CommandTest, CtrlCEndsTheCommandAndEveryWorkerAtOnceAndLeavesNoFile) {
  expect_signal_ends_the_render_cleanly(SIGINT);
}

TEST_F(CommandTest, SigtermEndsTheCommandAndEveryWorkerAtOnceAndLeavesNoFile) {
  expect_signal_ends_the_render_cleanly(SIGTERM);
}

TEST_F(CommandTest, EverySignalThatStopsAJobEndsTheRenderAndLeavesNoTemporary) {
  for (const int signal : {SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGXCPU}) {
    SCOPED_TRACE(::strsignal(signal));
    expect_signal_ends_the_render_cleanly(signal);
  }
}

TEST_F(CommandTest, ASignalIgnoredWhenTheCommandStartsStaysIgnored) {
  // Two bands of a fraction of a second each (far longer under a sanitizer), as under nohup or
  // in the background of a shell without job control.
  std::ofstream(dir_ / "even.json") << even_scene(64, 32, 5000);
  Command command(dir_, {"render", "even.json", "-j", "2", "--band-rows", "16"},
                  {.ignored = {SIGINT, SIGHUP}});
  const std::set<pid_t> workers = workers_of(command);
  ASSERT_FALSE(workers.empty()) << "no worker appeared";
  for (const int signal : {SIGINT, SIGHUP}) {
    ::kill(command.pid(), signal);
    for (pid_t worker : workers) {
      ::kill(worker, signal);
    }
  }
  const Outcome outcome = command.wait();
  ASSERT_EQ(outcome.exit_code, 0) << "signal " << outcome.signal << " " << outcome.err;
  const pygmy::Image image = pygmy::read_tiff(dir_ / "test.tif");
  EXPECT_TRUE(image == pygmy::render_sequential(pygmy::load_scene(dir_ / "even.json")));
}

TEST_F(CommandTest, WhenDescriptorsRunOutTheRenderGoesOnWithTheProcessesItCouldStartAndSaysSo) {
  const Outcome outcome = run({"render", "--size", "64x40", "--band-rows", "1", "-j", "200",
                               "--scheduler", "exchange", "-o", "out.tif"},
                              {.open_files = 48});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.err.find("warning: the system allowed"), std::string::npos) << outcome.err;
  EXPECT_TRUE(pygmy::read_tiff(dir_ / "out.tif") ==
              pygmy::render_sequential(pygmy::with_size(pygmy::builtin_scene(), 64, 40)));
}

TEST_F(CommandTest, AHugeBandTimeoutIsNoDeadlineAndRendersTheImage) {
  for (const char* huge : {"1e10", "1e16", "1e308"}) {
    const Outcome outcome =
        run({"render", "-q", "--size", "16x8", "--band-timeout", huge, "-o", "out.tif"});
    ASSERT_EQ(outcome.exit_code, 0) << huge << ": " << outcome.err;
    EXPECT_EQ(outcome.err, "") << huge;
    EXPECT_TRUE(pygmy::read_tiff(dir_ / "out.tif") ==
                pygmy::render_sequential(pygmy::with_size(pygmy::builtin_scene(), 16, 8)))
        << huge;
  }
}

TEST_F(CommandTest, ABandTimeoutThatIsNotFiniteIsAUsageErrorSaidPlainly) {
  for (const std::string bad : {"nan", "inf", "-inf", "infinity", "1e309", "0x10"}) {
    const Outcome outcome =
        run({"render", "--size", "8x8", "--band-timeout", bad, "-o", "out.tif"});
    EXPECT_EQ(outcome.exit_code, 2) << bad << ": " << outcome.err;
    EXPECT_NE(outcome.err.find("--band-timeout: expected a number of seconds above 0"),
              std::string::npos)
        << outcome.err;
    EXPECT_NE(outcome.err.find("got '" + bad + "'"), std::string::npos) << outcome.err;
    EXPECT_EQ(line_count(outcome.err), 1U) << outcome.err;
    EXPECT_LT(outcome.err.size(), 200U) << outcome.err;
    EXPECT_EQ(left_behind(), std::vector<std::string>{}) << bad;
  }
}

TEST_F(CommandTest, ABandTimeoutThatIsNotAPositiveNumberIsAUsageError) {
  for (const char* bad : {"0", "-1", "soon"}) {
    const Outcome outcome =
        run({"render", "--size", "8x8", "--band-timeout", bad, "-o", "out.tif"});
    EXPECT_EQ(outcome.exit_code, 2) << bad << ": " << outcome.err;
    EXPECT_NE(outcome.err.find("band-timeout"), std::string::npos) << outcome.err;
  }
}

}  // namespace
