// Counter-based randomness: every draw is a pure function of (seed, pixel, draw index).
// Everything here is inline: ambient occlusion draws in the tracer's inner loops.
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
  // The golden ratio's fraction in 64 bits: SplitMix64's step between draws.
  static constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

  std::uint64_t key_;
  std::uint64_t counter_ = 0;
};

// SplitMix64's finaliser: a bijective 64-bit mix in which every input bit affects every output
// bit.
//   std::uint64_t h = mix64(42);
//   std::uint64_t key = mix64(h ^ 7);
[[nodiscard]] inline std::uint64_t mix64(std::uint64_t value) {
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

inline RandomStream::RandomStream(std::uint64_t seed, int x, int y) {
  const std::uint64_t pixel = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(y)) << 32) |
                              static_cast<std::uint32_t>(x);
  key_ = mix64(mix64(seed + kGolden) ^ pixel);
}

inline std::uint64_t RandomStream::next() {
  ++counter_;
  return mix64(key_ + counter_ * kGolden);
}

inline int RandomStream::uniform_int(int low, int high) {
  const std::uint64_t range = static_cast<std::uint64_t>(static_cast<std::int64_t>(high) - low) + 1;
  // The top 32 bits scaled into [0, range): the bias is below range / 2^32, far under anything
  // a picture can show, and there is no rejection loop to make draw counts vary.
  const std::uint64_t scaled = ((next() >> 32) * range) >> 32;
  return static_cast<int>(low + static_cast<std::int64_t>(scaled));
}

}  // namespace pygmy
