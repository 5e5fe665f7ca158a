// `pygmy speedup` end to end: a row for every configuration, every run in the JSON, a chart with
// a line per scheduler, and usage errors.
#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "command_runner.hpp"

namespace pygmy::app::test {
namespace {

class SpeedupCommandTest : public ScratchDirectoryTest {};

// `err` without the lines that say the machine was busy: tests run beside other work, and the
// command says so whenever it is.
std::string without_busy_lines(const std::string& err) {
  std::istringstream lines(err);
  std::string kept;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("pygmy: the machine was busy: ", 0) != 0) kept += line + "\n";
  }
  return kept;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

// The rows of a speedup table: scheduler and processes of each, with how often each appears.
std::map<std::pair<std::string, unsigned>, int> table_rows(const std::string& table) {
  static const std::regex row(
      R"((\w+) +(\d+) +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +\d+ +\d+ +[0-9.]+-[0-9.]+( .*)?)");
  std::map<std::pair<std::string, unsigned>, int> rows;
  std::istringstream lines(table);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, row)) {
      ++rows[{m[1], static_cast<unsigned>(std::stoul(m[2]))}];
    }
  }
  return rows;
}

const std::vector<std::pair<std::string, unsigned>> kConfigurations{
    {"sequential", 1}, {"pool", 1},    {"pool", 2},   {"exchange", 1},
    {"exchange", 2},   {"threads", 1}, {"threads", 2}};

TEST_F(SpeedupCommandTest, MeasuresEveryConfigurationAndWritesEachRunAsJsonAndAChart) {
  const Outcome outcome =
      run({"speedup", "--size", "40x30", "-j", "1,2", "--schedulers", "pool,exchange,threads",
           "--repeat", "2", "--precision", "0", "--json", "speedup.json", "--svg", "speedup.svg",
           "--label", "second try"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(without_busy_lines(outcome.err), "");

  // The table: what and where, then one row per configuration.
  EXPECT_EQ(outcome.out.rfind("pygmy speedup: scene builtin, 40x30, ", 0), 0U) << outcome.out;
  EXPECT_NE(outcome.out.find("\nmachine: "), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("available CPU"), std::string::npos) << outcome.out;
  const auto rows = table_rows(outcome.out);
  EXPECT_EQ(rows.size(), kConfigurations.size()) << outcome.out;
  for (const auto& configuration : kConfigurations) {
    EXPECT_EQ(rows.count(configuration), 1U)
        << configuration.first << " " << configuration.second << "\n"
        << outcome.out;
  }

  // The JSON: every run, each round running every configuration once, and the medians.
  const nlohmann::json json = nlohmann::json::parse(slurp(dir_ / "speedup.json"));
  EXPECT_EQ(json.at("width"), 40);
  EXPECT_EQ(json.at("label"), "second try");
  const std::string commit = json.at("commit");  // what it was built from, or "unknown"
  EXPECT_FALSE(commit.empty());
  const nlohmann::json& runs = json.at("runs");
  ASSERT_EQ(runs.size(), 2 * kConfigurations.size());
  for (unsigned round = 0; round < 2; ++round) {
    std::set<std::pair<std::string, unsigned>> seen;
    for (std::size_t i = round * kConfigurations.size(); i < (round + 1) * kConfigurations.size();
         ++i) {
      const nlohmann::json& r = runs[i];
      EXPECT_EQ(r.at("repetition"), round);
      if (i > 0) {
        EXPECT_GT(r.at("order"), runs[i - 1].at("order"));
      }
      EXPECT_GT(r.at("seconds").get<double>(), 0);
      EXPECT_GE(r.at("cpu_seconds").get<double>(), 0);
      EXPECT_GE(r.at("minor_faults").get<long>(), 0);
      // The same image, so the same tracer's work, whoever rendered it.
      EXPECT_EQ(r.at("segments"), runs[0].at("segments"));
      EXPECT_GT(r.at("segments").get<std::uint64_t>(), 0U);
      EXPECT_GT(r.at("segment_tests").get<std::uint64_t>(), r.at("segments").get<std::uint64_t>());
      const std::string scheduler = r.at("scheduler");
      const std::size_t bands = r.at("bands");
      const std::size_t forks = r.at("forks");
      if (scheduler == "exchange") {
        EXPECT_EQ(forks, bands);
      }
      if (scheduler == "pool") {  // this process is one of its workers
        EXPECT_EQ(forks, r.at("processes").get<std::size_t>() - 1);
      }
      seen.insert({scheduler, r.at("processes").get<unsigned>()});
    }
    EXPECT_EQ(seen.size(), kConfigurations.size()) << "round " << round;
  }
  EXPECT_EQ(json.at("medians").size(), kConfigurations.size());

  // The calibration loop at 1 and 2 processes, once each round, and each round's disturbance.
  const nlohmann::json& calibrations = json.at("calibrations");
  ASSERT_EQ(calibrations.size(), 4U);
  std::set<std::size_t> orders;
  for (const nlohmann::json& r : runs) orders.insert(r.at("order").get<std::size_t>());
  for (const nlohmann::json& c : calibrations) {
    EXPECT_GT(c.at("seconds").get<double>(), 0);
    orders.insert(c.at("order").get<std::size_t>());
  }
  // Runs and calibrations interleaved, each with its own place.
  EXPECT_EQ(orders.size(), runs.size() + calibrations.size());
  EXPECT_EQ(*orders.rbegin(), runs.size() + calibrations.size() - 1);
  ASSERT_EQ(json.at("round_disturbance").size(), 2U);
  EXPECT_GE(json.at("round_disturbance")[0].at("other_cpu_seconds").get<double>(), 0);
  EXPECT_EQ(json.at("rounds"), 2);
  EXPECT_TRUE(json.at("medians")[2].contains("capacity")) << json.at("medians")[2];
  EXPECT_EQ(json.at("medians")[2].at("speedup_interval").size(), 2U);

  // The chart: one SVG document, a line for each scheduler but sequential, and the capacity.
  const std::string svg = slurp(dir_ / "speedup.svg");
  EXPECT_EQ(svg.rfind("<svg", 0), 0U);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_EQ(count_of(svg, "<polyline"), 4U);
  EXPECT_NE(svg.find(">capacity</text>"), std::string::npos);
  // The caption (wrapped onto lines that fit) names the commit and the label.
  EXPECT_NE(svg.find(commit), std::string::npos) << svg;
  EXPECT_NE(svg.find("second try"), std::string::npos) << svg;
  if (std::system("command -v xmllint > /dev/null") == 0) {
    const std::string check = "xmllint --noout " + (dir_ / "speedup.svg").string();
    EXPECT_EQ(std::system(check.c_str()), 0) << "not well-formed XML";
  }
  std::vector<std::string> left = left_behind();
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"speedup.json", "speedup.svg"}));
}

TEST_F(SpeedupCommandTest, QuietPrintsNothingAndWritesOnlyTheFileAskedFor) {
  const Outcome outcome =
      run({"speedup", "-q", "--size", "16x8", "-j", "2", "--repeat", "1", "--precision", "0",
           "--schedulers", "threads", "--band-rows", "4", "--json", "s.json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(outcome.out, "");
  EXPECT_EQ(without_busy_lines(outcome.err), "");
  EXPECT_EQ(left_behind(), std::vector<std::string>{"s.json"});
  const nlohmann::json json = nlohmann::json::parse(slurp(dir_ / "s.json"));
  EXPECT_EQ(json.at("band_rows"), 4);
  ASSERT_EQ(json.at("runs").size(), 2U);  // sequential and threads
  EXPECT_EQ(json.at("runs")[0].at("bands"), 2);
}

TEST_F(SpeedupCommandTest, UsageErrorsExitTwoWithAOneLineReason) {
  const std::vector<std::vector<std::string>> mistakes = {
      {"speedup", "-j", "0"},
      {"speedup", "-j", "1,,2"},
      {"speedup", "-j", "two"},
      {"speedup", "-j", ""},
      {"speedup", "--schedulers", "pool,fastest"},
      {"speedup", "--schedulers", ""},
      {"speedup", "--repeat", "0"},
      {"speedup", "--precision", "-1"},
      {"speedup", "--precision", "nan"},
      {"speedup", "--max-time", "-5"},
      {"speedup", "--band-rows", "0"},
      {"speedup", "--size", "40by30"},
      {"speedup", "--svg", "."},
      {"speedup", "a.json", "b.json"},
  };
  for (const auto& args : mistakes) {
    const Outcome outcome = run(args);
    EXPECT_EQ(outcome.exit_code, 2) << shown(args) << outcome.err;
    EXPECT_EQ(line_count(outcome.err), 1U) << shown(args) << outcome.err;
    EXPECT_EQ(outcome.err.rfind("pygmy: ", 0), 0U) << shown(args) << outcome.err;
    EXPECT_NE(outcome.err.find("(see 'pygmy speedup --help')"), std::string::npos)
        << shown(args) << outcome.err;
    EXPECT_EQ(outcome.out, "") << shown(args);
    EXPECT_EQ(left_behind(), std::vector<std::string>{}) << shown(args);
  }
}

TEST_F(SpeedupCommandTest, RoundsAndBandRowsAreDecimal) {
  // CLI11 alone reads 0x10 as sixteen and 010 as eight.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"speedup", "--repeat", "0x10"},
        {"speedup", "--band-rows", "0x10"},
        {"speedup", "--repeat", "+4"},
        {"speedup", "-j", "0x10"}}) {
    const Outcome outcome = run(args);
    EXPECT_EQ(outcome.exit_code, 2) << shown(args) << outcome.err;
    EXPECT_NE(outcome.err.find("'" + args.back() + "'"), std::string::npos)
        << shown(args) << outcome.err;
  }
  // A leading zero is not octal: 08 is eight rows, where octal has no digit 8.
  const Outcome eight =
      run({"speedup", "-q", "--size", "16x16", "-j", "1", "--schedulers", "pool", "--repeat", "01",
           "--precision", "0", "--band-rows", "08", "--json", "runs.json"});
  EXPECT_EQ(eight.exit_code, 0) << eight.err;
}

TEST_F(SpeedupCommandTest, AnUnknownSchedulerIsNamedWithTheKnownOnes) {
  const Outcome outcome = run({"speedup", "--schedulers", "pool,fastest"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.err.find("'fastest'"), std::string::npos) << outcome.err;
  EXPECT_NE(outcome.err.find("pool, exchange, map, queue, reuse, shared, threads, sequential"),
            std::string::npos)
      << outcome.err;
}

TEST_F(SpeedupCommandTest, AMissingDirectoryForTheJsonFailsBeforeMeasuring) {
  // Measuring 10000x10000 would take many minutes: the command must fail first.
  Command command(dir_, {"speedup", "--size", "10000x10000", "--json", "missing/speedup.json"});
  const Outcome outcome = command.wait(std::chrono::seconds(10));
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("missing/speedup.json"), std::string::npos) << outcome.err;
  EXPECT_EQ(outcome.out, "");
  EXPECT_EQ(left_behind(), std::vector<std::string>{});
}

}  // namespace
}  // namespace pygmy::app::test
