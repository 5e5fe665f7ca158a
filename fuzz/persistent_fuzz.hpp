// What persistent_fuzz does with its input, shared with persistent_seeds, which writes its seed
// corpus: the first byte of an input picks a Side and, for a client, the type of the values it
// receives; the bytes after it are what that side reads from its hostile peer.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace pprocess::fuzz {

/// The end of a persistent connection under test: the first byte's lowest bit.
enum class Side : std::uint8_t {
  client,  // connect_persistent, then receives: the bytes are a server's hello, then frames
  server,  // a background process's server: the bytes are a client's hello, then receipts
};

/// The type a client receives its values as: the first byte's other bits, modulo kValueTypes.
enum class ValueType : std::uint8_t {
  string,    // std::string
  integers,  // std::vector<int>, a raw block
  row,       // Row, what simple_persistent_queue's background processes send
  strings,   // std::vector<std::string>
};
inline constexpr std::uint8_t kValueTypes = static_cast<std::uint8_t>(ValueType::strings) + 1;

/// A row of a grid and its values.
using Row = std::pair<int, std::vector<int>>;

/// The first byte of an input for `side` (and, for a client, `type`).
constexpr std::uint8_t first_byte(Side side, ValueType type = ValueType::string) {
  return static_cast<std::uint8_t>((static_cast<std::uint8_t>(type) << 1) |
                                   static_cast<std::uint8_t>(side));
}

}  // namespace pprocess::fuzz
