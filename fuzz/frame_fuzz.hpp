// What frame_fuzz does with its input, shared with frame_seeds, which writes its seed corpus: the
// first byte of an input picks an Operation, and the bytes after it arrive on the channel.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pprocess::fuzz {

/// What the channel does with the bytes that arrive: receive values of one type until the stream
/// ends or breaks, or something else a channel does with what its peer sends.
enum class Operation : std::uint8_t {
  receive_int,
  receive_string,
  receive_doubles,            // std::vector<double>, a raw block
  receive_strings,            // std::vector<std::string>
  receive_optional,           // std::optional<int>
  receive_pair,               // std::pair<int, std::string>
  receive_map,                // std::map<std::string, int>
  receive_variant,            // std::variant<int, std::string>
  receive_tuple,              // std::tuple<int, double, std::string>
  receive_array,              // std::array<int, 4>
  receive_record,             // Record, a type with its own serialize()
  receive_bools,              // std::vector<bool>
  receive_bool_array,         // std::array<bool, 3>
  receive_unordered_map,      // std::unordered_map<std::string, std::vector<int>>
  receive_nested,             // std::vector<std::vector<std::uint8_t>>
  receive_into_span,          // into std::span<std::int32_t, 4>
  receive_into_existing,      // into a std::vector<float> and a Record that hold values already
  receive_or_stop,            // std::tuple<int, int> until a stop request
  receive_with_timeout,       // std::vector<std::int16_t> with a deadline
  send_then_receive_strings,  // the bytes answer a send, then strings are received
};
inline constexpr std::size_t kOperations =
    static_cast<std::size_t>(Operation::send_then_receive_strings) + 1;

/// A user type: cereal finds its serialize(); its bools and enum must arrive valid.
enum class Colour : std::uint8_t { red, green, blue };
struct Record {
  std::string name;
  std::array<double, 3> position{};
  std::vector<int> tags;
  bool active = false;
  std::array<bool, 2> flags{};
  Colour colour = Colour::red;
  std::optional<std::vector<std::string>> notes;
  std::map<int, std::string> index;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(name, position, tags, active, flags, colour, notes, index);
  }
};

}  // namespace pprocess::fuzz
