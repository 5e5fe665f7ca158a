// sequential: every band in this process, one after another.
#include "pass.hpp"

namespace pygmy::schedulers {

Failures run_sequential(Pass& pass, const std::vector<int>& todo) {
  for (int index : todo) {
    pass.render_into(index, pass.rows_of(index));
    pass.mark_done(index, 0);
  }
  return {};
}

}  // namespace pygmy::schedulers
