// pool, the default: a process per CPU, forked once; the Exchange hands each the next band as
// it delivers one (reuse), and its pixels are received straight into their rows of the image.
#include "pass.hpp"
#include "pprocess/parallel.hpp"

namespace pygmy::schedulers {

Failures run_pool(Pass& pass, const std::vector<int>& todo) {
  BandExchange exchange(pass, todo, /*reuse=*/true, [&pass](int band, pprocess::Channel& channel) {
    return pass.receive(band, channel);
  });
  auto render_band_task =
      exchange.manage(pprocess::MakeReusable([&pass](int index) { return pass.render(index); }));
  for (int index : todo) render_band_task(index);
  exchange.finish();
  pass.ran(exchange);
  return std::move(exchange.failures);
}

}  // namespace pygmy::schedulers
