// Google Benchmark's JSON as the report reads it.
#include "benchmark_results.hpp"

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "pygmy/measure/statistics.hpp"

namespace pygmy::bench {

namespace {

using nlohmann::json;

double to_seconds(const json& benchmark) {
  const std::string unit = benchmark.value("time_unit", "ns");
  const double scale = unit == "s" ? 1 : unit == "ms" ? 1e-3 : unit == "us" ? 1e-6 : 1e-9;
  return benchmark.at("real_time").get<double>() * scale;
}

// The fields of a benchmark's entry that are not user counters.
bool is_counter(const std::string& key, const json& value) {
  static const char* const kFields[] = {"name",
                                        "family_index",
                                        "per_family_instance_index",
                                        "run_name",
                                        "run_type",
                                        "repetitions",
                                        "repetition_index",
                                        "threads",
                                        "iterations",
                                        "real_time",
                                        "cpu_time",
                                        "time_unit",
                                        "aggregate_name",
                                        "aggregate_unit",
                                        "error_occurred",
                                        "error_message",
                                        "label"};
  return value.is_number() && std::none_of(std::begin(kFields), std::end(kFields),
                                           [&key](const char* field) { return key == field; });
}

Repetition repetition_of(const json& entry, unsigned index) {
  Repetition repetition{
      .index = index, .seconds = to_seconds(entry), .iterations = entry.value("iterations", 1.0)};
  for (const auto& [key, value] : entry.items()) {
    if (is_counter(key, value)) repetition.counters[key] = value.get<double>();
  }
  return repetition;
}

std::string as_text(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

BenchmarkResults results_of(const json& document) {
  if (!document.is_object() || !document.contains("benchmarks")) {
    throw std::runtime_error("not a Google Benchmark JSON document: no \"benchmarks\"");
  }
  BenchmarkResults results;
  if (document.contains("context")) {
    for (const auto& [key, value] : document.at("context").items()) {
      results.context[key] = as_text(value);
    }
  }
  std::map<std::string, Repetition> medians;  // of benchmarks written as aggregates
  for (const json& entry : document.at("benchmarks")) {
    if (entry.value("error_occurred", false)) continue;
    const std::string name = entry.value("run_name", entry.value("name", ""));
    results.repetitions = std::max(results.repetitions, entry.value("repetitions", 1U));
    if (entry.value("run_type", "iteration") == "aggregate") {
      if (entry.value("aggregate_name", "") == "median") medians[name] = repetition_of(entry, 0);
      continue;
    }
    std::vector<Repetition>& repetitions = results.benchmarks[name];
    // Without repetitions Google Benchmark writes no index (or -1): the order is the index.
    const long long index = entry.value("repetition_index", -1LL);
    repetitions.push_back(repetition_of(entry, index >= 0
                                                   ? static_cast<unsigned>(index)
                                                   : static_cast<unsigned>(repetitions.size())));
  }
  for (auto& [name, median] : medians) {
    if (results.benchmarks.contains(name)) continue;
    results.benchmarks[name] = {median};
    ++results.medians_only;
  }
  for (auto& [name, repetitions] : results.benchmarks) {
    std::sort(repetitions.begin(), repetitions.end(),
              [](const Repetition& a, const Repetition& b) { return a.index < b.index; });
  }
  return results;
}

}  // namespace

double Repetition::counter(std::string_view name, double otherwise) const {
  const auto found = counters.find(name);
  return found == counters.end() ? otherwise : found->second;
}

std::string BenchmarkResults::context_value(std::string_view key,
                                            const std::string& otherwise) const {
  const auto found = context.find(key);
  return found == context.end() ? otherwise : found->second;
}

BenchmarkResults parse_results(const std::string& text) {
  static const std::regex not_a_number(R"(:\s*-?(NaN|nan|inf|Infinity)\b)");
  try {
    return results_of(json::parse(std::regex_replace(text, not_a_number, ": null")));
  } catch (const json::exception& e) {
    throw std::runtime_error(e.what());
  }
}

BenchmarkResults read_results(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return parse_results(text.str());
  } catch (const std::exception& e) {
    throw std::runtime_error(file + ": " + e.what());
  }
}

std::optional<double> median_seconds(const BenchmarkResults& results, std::string_view prefix) {
  for (const auto& [name, repetitions] : results.benchmarks) {
    if (name.rfind(prefix, 0) != 0 || repetitions.empty()) continue;
    std::vector<double> seconds;
    for (const Repetition& repetition : repetitions) seconds.push_back(repetition.seconds);
    return measure::median(seconds);
  }
  return std::nullopt;
}

}  // namespace pygmy::bench
