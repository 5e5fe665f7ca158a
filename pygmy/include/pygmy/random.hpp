// Counter-based randomness: every draw is a pure function of (seed, pixel, draw index).
#pragma once

#include <cstdint>

namespace pygmy {

// The random numbers of one pixel. Draw i of pixel (x, y) under `seed` is always the same
// number, however the image is split into bands or shared between processes.
//   RandomStream random{scene.seed, x, y};
//   int component = random.uniform_int(-100, 99);
class RandomStream {
 public:
  // The stream of pixel (x, y) for `seed`, positioned at draw 0.
  //   RandomStream random{1, 0, 0};
  //   std::uint64_t first = random.next();
  RandomStream(std::uint64_t seed, int x, int y);

  // The next 64 uniformly distributed bits.
  //   std::uint64_t bits = random.next();
  //   bool coin = bits & 1;
  [[nodiscard]] std::uint64_t next();

  // The next integer uniform in [low, high] (both inclusive; low ≤ high).
  //   int component = random.uniform_int(-100, 99);  // like Python's randrange(-100, 100)
  //   int die = random.uniform_int(1, 6);
  [[nodiscard]] int uniform_int(int low, int high);

  // Moves past `count` draws without making them: the draws after are the ones they would be.
  //   random.skip(30);  // as if 30 numbers had been drawn
  //   std::uint64_t thirty = random.draws();
  void skip(std::uint64_t count) { counter_ += count; }

  // How many draws have been made so far.
  //   random.uniform_int(0, 1);
  //   std::uint64_t one = random.draws();
  [[nodiscard]] std::uint64_t draws() const { return counter_; }

 private:
  std::uint64_t key_;
  std::uint64_t counter_ = 0;
};

// SplitMix64's finaliser: a bijective 64-bit mix in which every input bit affects every output
// bit.
//   std::uint64_t h = mix64(42);
//   std::uint64_t key = mix64(h ^ 7);
[[nodiscard]] std::uint64_t mix64(std::uint64_t value);

}  // namespace pygmy
