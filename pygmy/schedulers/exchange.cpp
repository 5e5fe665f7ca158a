// exchange and shared: a process per band, PyGmy's way — an Exchange whose store_data takes the
// rows of each band as they arrive; `shared` has its workers write into a framebuffer mapped
// before the fork.
#include <cstdint>

#include "pass.hpp"
#include "pprocess/parallel.hpp"
#include "pprocess/shared.hpp"

namespace pygmy::schedulers {

Failures run_exchange(Pass& pass, const std::vector<int>& todo) {
  BandExchange exchange(pass, todo, /*reuse=*/false, [&pass](int band, pprocess::Channel& channel) {
    return pass.receive_piece(band, channel);
  });
  // Each process sends its band a piece at a time, as it renders it.
  auto render_band_task = exchange.manage([&pass](pprocess::Channel& channel, int index) {
    pass.render_in_pieces(
        index, [&channel](int, std::span<const std::uint8_t> piece) { channel.post(piece); });
  });
  for (int index : todo) render_band_task(index);
  exchange.finish();
  pass.ran(exchange);
  pass.add_incomplete(todo, exchange.failures);
  return std::move(exchange.failures);
}

Failures run_shared(Pass& pass, const std::vector<int>& todo) {
  const std::size_t row_bytes = pass.image().row_bytes();
  // Mapped before the forks: every worker writes its band straight into the creator's memory.
  const pprocess::Shared<std::uint8_t> framebuffer(row_bytes *
                                                   static_cast<std::size_t>(pass.image().height()));
  const auto rows_of = [&](int index) {
    const Band& band = pass.band(index);
    return framebuffer.all().subspan(static_cast<std::size_t>(band.y0) * row_bytes,
                                     static_cast<std::size_t>(band.y1 - band.y0) * row_bytes);
  };
  BandExchange exchange(pass, todo, /*reuse=*/false, [&](int band, pprocess::Channel& channel) {
    static_cast<void>(channel.receive<bool>());
    pass.deliver(band, rows_of(band), band);  // its process was forked for it alone
    return true;
  });
  auto render_band_task = exchange.manage([&pass, &rows_of](pprocess::Channel& channel, int index) {
    pass.render_into(index, rows_of(index));
    channel.send(true);
  });
  for (int index : todo) render_band_task(index);
  exchange.finish();
  pass.ran(exchange);
  return std::move(exchange.failures);
}

}  // namespace pygmy::schedulers
