// Cost estimates: a sparse grid of pixels traced with counters, interpolated between rows.
#include "pygmy/band_cost.hpp"

#include <cstddef>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>

#include "tracer.hpp"

namespace pygmy {
namespace {

// The centres of the squares of `step` along a side of `size` pixels, or its middle when the
// side is shorter than half a step.
std::vector<int> sample_positions(int size, int step) {
  std::vector<int> positions;
  for (int at = step / 2; at < size; at += step) {
    positions.push_back(at);
  }
  if (positions.empty()) {
    positions.push_back(size / 2);
  }
  return positions;
}

double cost_of(const RenderCounters& done) {
  return static_cast<double>(done.segment_tests) +
         kSegmentCost * static_cast<double>(done.segments);
}

}  // namespace

RowCostEstimate estimate_row_costs(const Scene& scene, int sample_step) {
  if (sample_step < 1) {
    throw std::invalid_argument("a cost estimate needs a sample step of at least 1, got " +
                                std::to_string(sample_step));
  }
  const std::vector<int> rows = sample_positions(scene.height, sample_step);
  const std::vector<int> columns = sample_positions(scene.width, sample_step);
  Tracer tracer(scene, best_kernel());
  std::vector<double> sampled;
  sampled.reserve(rows.size());
  for (const int y : rows) {
    const double before = cost_of(tracer.counters());
    for (const int x : columns) {
      static_cast<void>(tracer.pixel(x, y));
    }
    sampled.push_back((cost_of(tracer.counters()) - before) / static_cast<double>(columns.size()));
  }

  RowCostEstimate estimate;
  estimate.rows.resize(static_cast<std::size_t>(scene.height));
  std::size_t next = 0;  // the first sampled row at or below y
  for (int y = 0; y < scene.height; ++y) {
    while (next < rows.size() && rows[next] < y) {
      ++next;
    }
    double& cost = estimate.rows[static_cast<std::size_t>(y)];
    if (next == 0) {
      cost = sampled.front();
    } else if (next == rows.size()) {
      cost = sampled.back();
    } else {
      const double along = static_cast<double>(y - rows[next - 1]) /
                           static_cast<double>(rows[next] - rows[next - 1]);
      cost = sampled[next - 1] + (sampled[next] - sampled[next - 1]) * along;
    }
  }
  estimate.spent = tracer.counters();
  return estimate;
}

std::vector<double> row_costs(const Scene& scene, int sample_step) {
  return estimate_row_costs(scene, sample_step).rows;
}

std::vector<double> band_costs(std::span<const double> row_costs, std::span<const Band> bands) {
  std::vector<double> costs;
  costs.reserve(bands.size());
  for (const Band& band : bands) {
    if (band.y0 < 0 || band.y0 > band.y1 || static_cast<std::size_t>(band.y1) > row_costs.size()) {
      throw std::invalid_argument("band [" + std::to_string(band.y0) + ", " +
                                  std::to_string(band.y1) + ") is outside " +
                                  std::to_string(row_costs.size()) + " rows");
    }
    costs.push_back(std::accumulate(row_costs.begin() + band.y0, row_costs.begin() + band.y1, 0.0));
  }
  return costs;
}

}  // namespace pygmy
