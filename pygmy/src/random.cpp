// SplitMix64-style counter hashing for per-pixel random streams.
#include "pygmy/random.hpp"

namespace pygmy {
namespace {

constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

}  // namespace

std::uint64_t mix64(std::uint64_t value) {
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

RandomStream::RandomStream(std::uint64_t seed, int x, int y) {
  const std::uint64_t pixel = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(y)) << 32) |
                              static_cast<std::uint32_t>(x);
  key_ = mix64(mix64(seed + kGolden) ^ pixel);
}

std::uint64_t RandomStream::next() {
  ++counter_;
  return mix64(key_ + counter_ * kGolden);
}

int RandomStream::uniform_int(int low, int high) {
  const std::uint64_t range = static_cast<std::uint64_t>(static_cast<std::int64_t>(high) - low) + 1;
  // The top 32 bits scaled into [0, range): the bias is below range / 2^32, far under anything
  // a picture can show, and there is no rejection loop to make draw counts vary.
  const std::uint64_t scaled = ((next() >> 32) * range) >> 32;
  return static_cast<int>(low + static_cast<std::int64_t>(scaled));
}

}  // namespace pygmy
