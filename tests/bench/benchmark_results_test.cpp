// Reading Google Benchmark's JSON: repetitions by index, counters, aggregates-only files, errors.
#include "benchmark_results.hpp"

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "results_builder.hpp"

namespace pygmy::bench {
namespace {

TEST(BenchmarkResultsTest, EveryRepetitionIsReadInTheOrderOfItsIndexWithItsCounters) {
  const BenchmarkResults results = parse_results(document(
      {repetition("BM_Sweep/300x200/pool/j:2", 1, 30, R"("bands": 8, "other_share": 0.5)"),
       repetition("BM_Sweep/300x200/pool/j:2", 0, 20, R"("bands": 8, "other_share": 0)")}));
  ASSERT_EQ(results.benchmarks.size(), 1U);
  const auto& repetitions = results.benchmarks.at("BM_Sweep/300x200/pool/j:2/real_time");
  ASSERT_EQ(repetitions.size(), 2U);
  EXPECT_EQ(repetitions[0].index, 0U);
  EXPECT_DOUBLE_EQ(repetitions[0].seconds, 0.020);
  EXPECT_EQ(repetitions[1].index, 1U);
  EXPECT_DOUBLE_EQ(repetitions[1].counter("other_share"), 0.5);
  EXPECT_DOUBLE_EQ(repetitions[1].counter("bands"), 8);
  EXPECT_DOUBLE_EQ(repetitions[1].counter("absent", -1), -1);
  EXPECT_FALSE(repetitions[1].counters.contains("real_time"));
  EXPECT_EQ(results.context_value("date"), "2026-12-08");
  EXPECT_EQ(results.repetitions, 3U);
  EXPECT_EQ(results.medians_only, 0U);
}

TEST(BenchmarkResultsTest, ABenchmarkWrittenAsAggregatesOnlyCountsItsMedianAsOneRepetition) {
  const std::string median =
      R"({"name": "BM_ForkReap/real_time_median", "run_name": "BM_ForkReap/real_time",
          "run_type": "aggregate", "aggregate_name": "median", "repetitions": 3, "real_time": 300,
          "time_unit": "us", "forks": NaN})";
  const std::string mean =
      R"({"name": "BM_ForkReap/real_time_mean", "run_name": "BM_ForkReap/real_time",
          "run_type": "aggregate", "aggregate_name": "mean", "real_time": 900, "time_unit": "us"})";
  const BenchmarkResults results = parse_results(document({mean, median}));
  const auto& repetitions = results.benchmarks.at("BM_ForkReap/real_time");
  ASSERT_EQ(repetitions.size(), 1U);
  EXPECT_DOUBLE_EQ(repetitions[0].seconds, 300e-6);
  EXPECT_EQ(results.repetitions, 3U);
  EXPECT_EQ(results.medians_only, 1U);
}

TEST(BenchmarkResultsTest, RepetitionsThatFailedAreLeftOut) {
  const std::string failed =
      R"({"name": "BM_Render/showcase/pool/j:2/rows:auto/real_time", "run_type": "iteration",
          "error_occurred": true, "error_message": "worker died", "real_time": 0, "time_unit": "ms"})";
  EXPECT_TRUE(parse_results(document({failed})).benchmarks.empty());
}

TEST(BenchmarkResultsTest, TextThatIsNotBenchmarkJsonIsRefused) {
  EXPECT_THROW(static_cast<void>(parse_results("{")), std::runtime_error);
  EXPECT_THROW(static_cast<void>(parse_results(R"({"context": {}})")), std::runtime_error);
  EXPECT_THROW(static_cast<void>(read_results("/nonexistent/render.json")), std::runtime_error);
}

TEST(BenchmarkResultsTest, MedianSecondsIsTheMedianOfTheFirstBenchmarkWithThePrefix) {
  const BenchmarkResults results = parse_results(document(
      {repetition("BM_ChannelRoundTrip/8", 0, 0.05), repetition("BM_ChannelRoundTrip/8", 1, 0.07),
       repetition("BM_ChannelRoundTrip/8", 2, 0.06),
       repetition("BM_ChannelRoundTripInto/8", 0, 1)}));
  EXPECT_DOUBLE_EQ(median_seconds(results, "BM_ChannelRoundTrip/8/").value(), 60e-6);
  EXPECT_DOUBLE_EQ(median_seconds(results, "BM_ChannelRoundTripInto/").value(), 1e-3);
  EXPECT_FALSE(median_seconds(results, "BM_ForkReap").has_value());
}

}  // namespace
}  // namespace pygmy::bench
