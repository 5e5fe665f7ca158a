// exchange and shared: a process per band, PyGmy's way — an Exchange whose store_data takes the
// rows of each band as they arrive; `shared` has its workers write into a framebuffer mapped
// before the fork.
#include <sys/mman.h>

#include <cerrno>
#include <system_error>

#include "pass.hpp"
#include "pprocess/parallel.hpp"

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

namespace {

// Memory shared by the processes forked after it is mapped: the framebuffer of `shared`.
class SharedFramebuffer {
 public:
  explicit SharedFramebuffer(std::size_t bytes) : bytes_(bytes) {
    void* memory =
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap");
    data_ = static_cast<std::uint8_t*>(memory);
  }
  SharedFramebuffer(const SharedFramebuffer&) = delete;
  SharedFramebuffer& operator=(const SharedFramebuffer&) = delete;
  ~SharedFramebuffer() { ::munmap(data_, bytes_); }

  [[nodiscard]] std::span<std::uint8_t> rows(const Band& band, std::size_t row_bytes) const {
    return {data_ + static_cast<std::size_t>(band.y0) * row_bytes,
            static_cast<std::size_t>(band.y1 - band.y0) * row_bytes};
  }

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t bytes_;
};

}  // namespace

Failures run_shared(Pass& pass, const std::vector<int>& todo) {
  const std::size_t row_bytes = pass.image().row_bytes();
  const SharedFramebuffer framebuffer(row_bytes * static_cast<std::size_t>(pass.image().height()));
  BandExchange exchange(pass, todo, /*reuse=*/false, [&](int band, pprocess::Channel& channel) {
    static_cast<void>(channel.receive<bool>());
    pass.deliver(band, framebuffer.rows(pass.band(band), row_bytes), channel.pid());
    return true;
  });
  auto render_band_task =
      exchange.manage([&pass, &framebuffer, row_bytes](pprocess::Channel& channel, int index) {
        pass.render_into(index, framebuffer.rows(pass.band(index), row_bytes));
        channel.send(true);
      });
  for (int index : todo) render_band_task(index);
  exchange.finish();
  pass.ran(exchange);
  return std::move(exchange.failures);
}

}  // namespace pygmy::schedulers
