// The schedulers: each shares the bands of one image out to processes (or threads) its own way.
#include "schedulers.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>
#include <utility>

#include "pprocess/pprocess.hpp"

namespace pygmy::app {

namespace {

using Pixels = std::vector<std::uint8_t>;

constexpr std::array kSchedulers{Scheduler::sequential, Scheduler::exchange, Scheduler::map,
                                 Scheduler::queue,      Scheduler::reuse,    Scheduler::shared,
                                 Scheduler::threads};

// One pass over some bands: the image being filled and what the pass reports.
class Pass {
 public:
  Pass(const Scene& scene, const RenderPlan& plan, const std::vector<Band>& bands, Image& image,
       int attempt, int& rows_done)
      : scene_(scene),
        plan_(plan),
        bands_(bands),
        image_(image),
        attempt_(attempt),
        rows_done_(rows_done) {}

  // Renders band `index`: what every worker runs.
  [[nodiscard]] Pixels render(int index) const {
    const Band& band = bands_[static_cast<std::size_t>(index)];
    if (plan_.before_band) {
      plan_.before_band(band, attempt_);
    }
    return render_band(scene_, band.y0, band.y1);
  }

  // Renders band `index` straight into `rows` (the image's, or a shared framebuffer's).
  void render_into(int index, std::span<std::uint8_t> rows) const {
    const Band& band = bands_[static_cast<std::size_t>(index)];
    if (plan_.before_band) {
      plan_.before_band(band, attempt_);
    }
    render_band_into(scene_, band.y0, band.y1, rows);
  }

  // Stores a rendered band in the image.
  void deliver(int index, std::span<const std::uint8_t> pixels) {
    const Band& band = bands_[static_cast<std::size_t>(index)];
    image_.set_rows(band.y0, pixels);
    mark_done(index);
  }

  // Counts a band as done (its pixels are already in place).
  void mark_done(int index) {
    const Band& band = bands_[static_cast<std::size_t>(index)];
    rows_done_ += band.y1 - band.y0;
    if (plan_.progress) {
      plan_.progress(rows_done_, image_.height());
    }
  }

  [[nodiscard]] const RenderPlan& plan() const { return plan_; }
  [[nodiscard]] const Band& band(int index) const {
    return bands_[static_cast<std::size_t>(index)];
  }
  [[nodiscard]] Image& image() { return image_; }
  [[nodiscard]] const Scene& scene() const { return scene_; }

 private:
  const Scene& scene_;
  const RenderPlan& plan_;
  const std::vector<Band>& bands_;
  Image& image_;
  int attempt_;
  int& rows_done_;
};

// Bands whose process died, and why the last one did.
struct Failures {
  std::vector<int> bands;
  std::string reason;

  void add(int band, const std::exception& why) {
    bands.push_back(band);
    reason = why.what();
  }
};

pprocess::Options options_for(const RenderPlan& plan, bool reuse = false) {
  return {.limit = std::max(plan.processes, 1U), .reuse = reuse};
}

Failures run_sequential(Pass& pass, const std::vector<int>& todo) {
  for (int index : todo) {
    const Band& band = pass.band(index);
    pass.render_into(index, pass.image().rows(band.y0, band.y1));
    pass.mark_done(index);
  }
  return {};
}

// PyGmy's way: an Exchange subclass whose store_data takes each band as it arrives. A task's
// id is its position in `todo`, so every channel knows its band.
class BandExchange : public pprocess::Exchange {
 public:
  using Store = std::function<void(int band, pprocess::Channel&)>;

  BandExchange(const RenderPlan& plan, const std::vector<int>& todo, Store store)
      : Exchange(options_for(plan)), todo_(todo), store_(std::move(store)) {}

  Failures failures;

 protected:
  void store_data(pprocess::Channel& channel) override {
    store_(todo_[task_of(channel).value()], channel);
  }
  void task_failed(std::size_t task, std::exception_ptr reason) override {
    try {
      std::rethrow_exception(reason);
    } catch (const pprocess::Error& error) {
      failures.add(todo_[task], error);
    }
  }

 private:
  const std::vector<int>& todo_;
  Store store_;
};

Failures run_exchange(Pass& pass, const std::vector<int>& todo) {
  BandExchange exchange(pass.plan(), todo, [&pass](int band, pprocess::Channel& channel) {
    pass.deliver(band, channel.receive<Pixels>());
  });
  auto render_band_task =
      exchange.manage(pprocess::MakeParallel([&pass](int index) { return pass.render(index); }));
  for (int index : todo) {
    render_band_task(index);
  }
  exchange.finish();
  return std::move(exchange.failures);
}

// Map (and Map with reuse): results taken in band order, a dead process reported at its band.
Failures run_map(Pass& pass, const std::vector<int>& todo, bool reuse) {
  pprocess::Map<Pixels> results(options_for(pass.plan(), reuse));
  results([&pass](int index) { return pass.render(index); }, todo);
  Failures failures;
  for (std::size_t k = 0; k < todo.size(); ++k) {
    try {
      pass.deliver(todo[k], results[k]);
    } catch (const pprocess::ProcessDied& died) {
      failures.add(todo[k], died);
    }
  }
  return failures;
}

// Queue: bands in arrival order, each labelled with its index.
Failures run_queue(Pass& pass, const std::vector<int>& todo) {
  pprocess::Queue<std::pair<int, Pixels>> queue(options_for(pass.plan()));
  auto render_band_task = queue.manage(pprocess::MakeParallel(
      [&pass](int index) { return std::pair<int, Pixels>(index, pass.render(index)); }));
  for (int index : todo) {
    render_band_task(index);
  }
  std::set<int> delivered;
  Failures failures;
  for (;;) {
    try {
      std::optional<std::pair<int, Pixels>> band = queue.next();
      if (!band) {
        break;
      }
      pass.deliver(band->first, band->second);
      delivered.insert(band->first);
    } catch (const pprocess::ProcessDied& died) {
      failures.reason = died.what();  // which band it was is known once the rest are in
    }
  }
  for (int index : todo) {
    if (!delivered.count(index)) {
      failures.bands.push_back(index);
    }
  }
  return failures;
}

// Memory shared by the processes forked after it is mapped: the framebuffer of `shared`.
class SharedFramebuffer {
 public:
  explicit SharedFramebuffer(std::size_t bytes) : bytes_(bytes) {
    void* memory =
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
      throw std::system_error(errno, std::generic_category(), "mmap");
    }
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

// Workers render straight into a framebuffer mapped before fork; the channel carries only
// "done".
Failures run_shared(Pass& pass, const std::vector<int>& todo) {
  const std::size_t row_bytes = pass.image().row_bytes();
  SharedFramebuffer framebuffer(row_bytes * static_cast<std::size_t>(pass.image().height()));
  BandExchange exchange(pass.plan(), todo, [&](int band, pprocess::Channel& channel) {
    static_cast<void>(channel.receive<bool>());
    pass.deliver(band, framebuffer.rows(pass.band(band), row_bytes));
  });
  auto render_band_task =
      exchange.manage([&pass, &framebuffer, row_bytes](pprocess::Channel& channel, int index) {
        pass.render_into(index, framebuffer.rows(pass.band(index), row_bytes));
        channel.send(true);
      });
  for (int index : todo) {
    render_band_task(index);
  }
  exchange.finish();
  return std::move(exchange.failures);
}

// The baseline a C++ programmer would reach for: threads taking bands from a shared counter.
Failures run_threads(Pass& pass, const std::vector<int>& todo) {
  std::atomic<std::size_t> next{0};
  std::mutex progress;
  std::exception_ptr error;
  auto work = [&] {
    try {
      for (std::size_t k = next++; k < todo.size(); k = next++) {
        const Band& band = pass.band(todo[k]);
        render_band_into(pass.scene(), band.y0, band.y1, pass.image().rows(band.y0, band.y1));
        const std::lock_guard lock(progress);
        pass.mark_done(todo[k]);
      }
    } catch (...) {
      const std::lock_guard lock(progress);
      error = std::current_exception();
    }
  };
  std::vector<std::jthread> pool;
  for (unsigned i = 1; i < std::max(pass.plan().processes, 1U); ++i) {
    pool.emplace_back(work);
  }
  work();
  pool.clear();
  if (error) {
    std::rethrow_exception(error);
  }
  return {};
}

Failures run_pass(Pass& pass, const std::vector<int>& todo) {
  switch (pass.plan().scheduler) {
    case Scheduler::sequential:
      return run_sequential(pass, todo);
    case Scheduler::exchange:
      return run_exchange(pass, todo);
    case Scheduler::map:
      return run_map(pass, todo, false);
    case Scheduler::queue:
      return run_queue(pass, todo);
    case Scheduler::reuse:
      return run_map(pass, todo, true);
    case Scheduler::shared:
      return run_shared(pass, todo);
    case Scheduler::threads:
      return run_threads(pass, todo);
  }
  throw std::invalid_argument("unknown scheduler");
}

}  // namespace

const std::vector<Scheduler>& all_schedulers() {
  static const std::vector<Scheduler> schedulers(kSchedulers.begin(), kSchedulers.end());
  return schedulers;
}

std::string_view name_of(Scheduler scheduler) {
  switch (scheduler) {
    case Scheduler::sequential:
      return "sequential";
    case Scheduler::exchange:
      return "exchange";
    case Scheduler::map:
      return "map";
    case Scheduler::queue:
      return "queue";
    case Scheduler::reuse:
      return "reuse";
    case Scheduler::shared:
      return "shared";
    case Scheduler::threads:
      return "threads";
  }
  return "unknown";
}

std::optional<Scheduler> scheduler_named(std::string_view name) {
  for (Scheduler scheduler : kSchedulers) {
    if (name_of(scheduler) == name) {
      return scheduler;
    }
  }
  return std::nullopt;
}

Image render(const Scene& scene, const RenderPlan& plan) {
  if (plan.max_attempts < 1) {
    throw std::invalid_argument("max_attempts must be at least 1");
  }
  const std::vector<Band> bands = split_rows(scene.height, plan.band_rows);
  Image image(scene.width, scene.height);
  std::vector<int> todo(bands.size());
  for (std::size_t i = 0; i < todo.size(); ++i) {
    todo[i] = static_cast<int>(i);
  }
  int rows_done = 0;
  std::string reason;
  for (int attempt = 1; attempt <= plan.max_attempts; ++attempt) {
    Pass pass(scene, plan, bands, image, attempt, rows_done);
    Failures failures = run_pass(pass, todo);
    if (failures.bands.empty()) {
      return image;
    }
    std::sort(failures.bands.begin(), failures.bands.end());
    todo = std::move(failures.bands);
    reason = std::move(failures.reason);
  }
  const Band& first = bands[static_cast<std::size_t>(todo.front())];
  throw RenderError(std::to_string(todo.size()) + " band(s), first rows " +
                    std::to_string(first.y0) + "-" + std::to_string(first.y1 - 1) + ", failed " +
                    std::to_string(plan.max_attempts) + " times; last: " + reason);
}

}  // namespace pygmy::app
