// The goals of the report: each with its figures and a verdict — met, missed by how much, or not
// measured when a scheduler is absent.
#include "goals.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "results_builder.hpp"

namespace pygmy::bench {
namespace {

const std::string kTwoCpus = R"("date": "2026-12-08", "available_cpus": "2")";

// Capacity 2; the showcase rendered sequentially in 1000 ms and by pool at 2 in 520 ms: a speedup
// of 1.92, 0.96 of the capacity; the built-in scene at 1500x1000 by pool in 500 of 1000 ms.
std::vector<std::string> measured() {
  return three("BM_Capacity/j:1", 100) + three("BM_Capacity/j:2", 50) +
         three("BM_Render/showcase/sequential/j:1/rows:auto", 1000) +
         three("BM_Render/showcase/pool/j:2/rows:auto", 520) +
         three("BM_Sweep/1500x1000/sequential/j:1", 1000) +
         three("BM_Sweep/1500x1000/pool/j:2", 500) + three("BM_Sweep/1500x1000/exchange/j:2", 540);
}

std::vector<Goal> goals_of(const std::vector<std::string>& entries) {
  return render_goals(render_figures(parse_results(document(entries, kTwoCpus))));
}

const Goal& goal_with(const std::vector<Goal>& goals, const std::string& issue,
                      const std::string& words) {
  for (const Goal& goal : goals) {
    if (goal.issue == issue && goal.text.find(words) != std::string::npos) return goal;
  }
  throw std::runtime_error("no goal of issue " + issue + " saying " + words);
}

TEST(GoalsTest, AShareOfTheCapacityIsMetOrMissedByHowMuch) {
  const std::vector<Goal> goals = goals_of(measured());
  const Goal& sixteen = goal_with(goals, "16", "0.95 of the measured capacity");
  EXPECT_EQ(sixteen.verdict, "met");
  EXPECT_NE(sixteen.measured.find("showcase: 0.96"), std::string::npos) << sixteen.measured;
  const Goal& seventeen = goal_with(goals, "17", "0.97 of the measured capacity at `-j 2`");
  EXPECT_EQ(seventeen.verdict, "missed by 0.01 at showcase");
  EXPECT_NE(seventeen.measured.find("1500x1000: 1.00"), std::string::npos) << seventeen.measured;
}

TEST(GoalsTest, GoalsAgainstOpenmpAndTbbAreNotMeasuredWithoutThem) {
  const std::vector<Goal> goals = goals_of(measured());
  const Goal& sixteen = goal_with(goals, "16", "no slower than `openmp` and `tbb`");
  EXPECT_EQ(sixteen.measured, "–");
  EXPECT_EQ(sixteen.verdict, "not measured: `openmp` (not in this run); `tbb` (not in this run)");
  const Goal& seventeen = goal_with(goals, "17", "2% faster than `openmp` and `tbb`");
  EXPECT_EQ(seventeen.verdict, "not measured: `openmp` (not in this run); `tbb` (not in this run)");
}

TEST(GoalsTest, APeerThatIsThereIsJudgedAndTheOneMissingIsNamed) {
  const std::vector<Goal> goals = goals_of(measured() + three("BM_Sweep/1500x1000/tbb/j:2", 510) +
                                           three("BM_Render/showcase/tbb/j:2/rows:auto", 560));
  EXPECT_EQ(goal_with(goals, "16", "no slower than").verdict,
            "met where measured; not measured: `openmp` (not in this run)");
  const Goal& faster = goal_with(goals, "17", "2% faster");
  EXPECT_EQ(faster.verdict, "met where measured; not measured: `openmp` (not in this run)");
  EXPECT_NE(faster.measured.find("`tbb`'s time over `pool`'s 1.08×, pool 7.7% faster"),
            std::string::npos)
      << faster.measured;
}

TEST(GoalsTest, APoolSlowerThanAPeerOrBarelyFasterMissesByHowMuch) {
  const std::vector<Goal> goals =
      goals_of(measured() + three("BM_Sweep/1500x1000/openmp/j:2", 400) +
               three("BM_Render/showcase/openmp/j:2/rows:auto", 525));
  EXPECT_EQ(
      goal_with(goals, "16", "no slower than").verdict.rfind("missed by 25.0% at 1500x1000", 0),
      0U);
  EXPECT_EQ(
      goal_with(goals, "17", "2% faster").verdict.rfind("missed by 1.0 points against `openmp`", 0),
      0U);
}

TEST(GoalsTest, ExchangeAgainstPoolIsJudgedAtEverySize) {
  EXPECT_EQ(goal_with(goals_of(measured()), "17", "`exchange` within 1.10×").verdict, "met");
  const std::vector<Goal> slow =
      goals_of(measured() + three("BM_Sweep/300x200/sequential/j:1", 40) +
               three("BM_Sweep/300x200/pool/j:2", 25) + three("BM_Sweep/300x200/exchange/j:2", 30));
  EXPECT_EQ(goal_with(slow, "17", "`exchange` within 1.10×").verdict,
            "missed by 9.1% at 300x200 `-j 2` (`exchange` over `pool` above 1.10×)");
}

TEST(GoalsTest, MachineryGoalsWithoutPythonSaySo) {
  const BenchmarkResults machinery = parse_results(
      document(three("BM_ChannelRoundTrip/8", 0.05) + three("BM_SocketpairRoundTrip/8", 0.06) +
               three("BM_PmapTrivialTasks/reuse:1", 50)));
  const std::vector<Goal> goals = machinery_goals(machinery);
  EXPECT_EQ(goal_with(goals, "earlier", "round trip of 8 B").verdict, "met");
  EXPECT_EQ(goal_with(goals, "earlier", "70%").verdict, "not measured: not in this run");
  EXPECT_EQ(goal_with(goals, "earlier", "multiprocessing.Pool").verdict,
            "not measured: Python's `multiprocessing.Pool` (no `python3`)");
}

TEST(GoalsTest, TheTableHasARowPerGoal) {
  const std::string table = goals_table({{"16", "a goal", "0.96", "met"}});
  EXPECT_EQ(table,
            "| goal | issue | measured | verdict |\n|---|---|---|---|\n"
            "| a goal | 16 | 0.96 | met |\n");
}

}  // namespace
}  // namespace pygmy::bench
