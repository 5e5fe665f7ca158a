// Bands planned by cost: equal slices of the estimated work, gathered into pieces that shrink
// towards the end of the render (factoring), the dearest handed out first.
#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "pygmy/schedulers.hpp"

namespace pygmy::schedulers {

std::vector<Band> planned_bands(const std::vector<double>& row_costs, unsigned workers,
                                int most_rows) {
  const auto height = static_cast<int>(row_costs.size());
  if (height == 0) throw std::invalid_argument("planned_bands: no rows");
  const unsigned sharing = std::max(workers, 1U);
  // The finest slices: kSlicesPerWorker of equal estimated cost for each worker, so that the
  // last pieces handed out are a small share of one worker's work.
  const int slices = std::clamp(static_cast<int>(sharing * kSlicesPerWorker), 1, height);
  // Factoring: each round of pieces, one per worker, takes half of the slices left, so the
  // pieces shrink geometrically and the last ones are one slice each.
  std::vector<int> pieces;  // slices in each piece, first handed out first
  for (int left = slices; left > 0;) {
    const int piece = std::max(1, left / static_cast<int>(2 * sharing));
    for (unsigned w = 0; w < sharing && left > 0; ++w) {
      pieces.push_back(std::min(piece, left));
      left -= pieces.back();
    }
  }
  // Where slice k ends: the first row by which k / slices of the total cost is reached (every
  // row costs something: a row of nothing still takes its segments).
  std::vector<double> before(row_costs.size() + 1, 0);  // before[y]: the cost of rows [0, y)
  for (std::size_t y = 0; y < row_costs.size(); ++y) {
    before[y + 1] = before[y] + std::max(row_costs[y], 0.0);
  }
  const double total = before.back();
  std::vector<Band> bands;
  int y0 = 0;
  int slices_done = 0;
  for (std::size_t p = 0; p < pieces.size(); ++p) {
    slices_done += pieces[p];
    int y1 = height;
    if (p + 1 < pieces.size() && total > 0) {
      const double reach = total * slices_done / slices;
      y1 = static_cast<int>(std::lower_bound(before.begin(), before.end(), reach) - before.begin());
    } else if (p + 1 < pieces.size()) {
      y1 = static_cast<int>(static_cast<long long>(height) * slices_done / slices);
    }
    // At least a row each, and room left for a row for every piece still to come.
    y1 = std::clamp(y1, y0 + 1, height - static_cast<int>(pieces.size() - 1 - p));
    if (y1 <= y0) continue;
    // No band holds more rows than one message carries.
    for (int y = y0; y < y1; y += std::max(most_rows, 1)) {
      bands.push_back({y, std::min(y1, y + std::max(most_rows, 1))});
    }
    y0 = y1;
  }
  return bands;
}

}  // namespace pygmy::schedulers
