// Writes frame_fuzz's seed corpus into a directory: for each Operation, the frames a Channel sends
// (values of the operation's type, posted and sent, error reports, stop requests), then the same
// made hostile: cut short, claiming more bytes or elements than they carry, of the wrong kind.
//   cmake --build --preset fuzz --target frame_seeds && build/fuzz/fuzz/frame_seeds
//   fuzz/corpus/frame
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "channel_access.hpp"
#include "frame.hpp"
#include "frame_fuzz.hpp"
#include "pprocess/channel.hpp"
#include "pprocess/detail/fd.hpp"
#include "wire.hpp"

namespace pprocess::fuzz {
namespace {

/// `frame` with the first eight bytes of its payload (a count, for most types) replaced by
/// `count`.
std::string counting(std::string frame, std::uint64_t count) {
  std::memcpy(frame.data() + kHeaderBytes, &count, sizeof count);
  return frame;
}

/// Writes seeds for one operation into `directory`, named `<name>-<variant>`.
class Seeds {
 public:
  Seeds(std::filesystem::path directory, Operation operation, std::string name)
      : directory_(std::move(directory)), operation_(operation), name_(std::move(name)) {}

  void write(const std::string& variant, const std::string& bytes) const {
    std::ofstream file(directory_ / (name_ + "-" + variant), std::ios::binary);
    file.put(static_cast<char>(operation_));
    file << bytes;
    if (!file) {
      std::cerr << "frame_seeds: cannot write " << (directory_ / name_) << '\n';
      std::exit(1);
    }
  }

  /// A value's frame, sent and posted, and the hostile variants of it.
  void write_value(Wire& wire, const std::string& frame, const std::string& sent) const {
    const std::uint64_t gibibyte = detail::kMaxFrameBytes;
    write("value", frame);
    write("sent-twice", sent + sent);
    write("truncated", frame.substr(0, kHeaderBytes + (frame.size() - kHeaderBytes) / 2));
    write("header-only", frame.substr(0, kHeaderBytes));
    write("claims-gibibyte", claiming(frame, gibibyte));
    write("claims-over-limit", claiming(frame, gibibyte + 1));
    write("claims-a-byte-more", claiming(frame, frame.size() - kHeaderBytes + 1) + frame);
    if (frame.size() >= kHeaderBytes + sizeof(std::uint64_t)) {
      write("huge-count", counting(frame, std::uint64_t{1} << 40));
      write("count-of-the-frame", counting(frame, frame.size() - kHeaderBytes));
    }
    write("after-error", wire.error("std::runtime_error", "boom") + frame);
    write("after-stop", wire.stop() + frame);
    write("after-acknowledgement", wire.acknowledgement() + frame);
  }

  template <class T>
  void write_value(Wire& wire, const T& value) const {
    write_value(wire, wire.value(value), wire.sent(value));
  }

 private:
  std::filesystem::path directory_;
  Operation operation_;
  std::string name_;
};

void write_seeds(const std::filesystem::path& directory) {
  Wire wire;
  const auto seeds = [&](Operation operation, const char* name) {
    return Seeds(directory, operation, name);
  };
  const Record record{"muon",
                      {1.5, -2.0, 3.25},
                      {1, 2},
                      true,
                      {false, true},
                      Colour::green,
                      std::vector<std::string>{"fast", ""},
                      {{1, "one"}, {2, "two"}}};

  seeds(Operation::receive_int, "int").write_value(wire, 42);
  seeds(Operation::receive_string, "string").write_value(wire, std::string("hello"));
  seeds(Operation::receive_doubles, "doubles")
      .write_value(wire, std::vector<double>{1.5, -2, 1e300});
  seeds(Operation::receive_strings, "strings")
      .write_value(wire, std::vector<std::string>{"a", "bc", ""});
  seeds(Operation::receive_optional, "optional").write_value(wire, std::optional<int>(7));
  seeds(Operation::receive_optional, "nullopt").write("value", wire.value(std::optional<int>()));
  seeds(Operation::receive_pair, "pair").write_value(wire, std::pair<int, std::string>(3, "three"));
  seeds(Operation::receive_map, "map")
      .write_value(wire, std::map<std::string, int>{{"one", 1}, {"two", 2}});
  seeds(Operation::receive_variant, "variant")
      .write_value(wire, std::variant<int, std::string>("text"));
  seeds(Operation::receive_tuple, "tuple")
      .write_value(wire, std::tuple<int, double, std::string>(1, 2.5, "x"));
  seeds(Operation::receive_array, "array").write_value(wire, std::array<int, 4>{1, 2, 3, 4});
  seeds(Operation::receive_record, "record").write_value(wire, record);
  seeds(Operation::receive_bools, "bools").write_value(wire, std::vector<bool>{true, false, true});
  const Seeds bool_array = seeds(Operation::receive_bool_array, "bool-array");
  bool_array.write_value(wire, std::array<bool, 3>{true, false, true});
  std::string two = wire.value(std::array<bool, 3>{true, false, true});
  two[kHeaderBytes + 1] = 2;
  bool_array.write("holding-two", two + wire.value(std::array<bool, 3>{}));
  seeds(Operation::receive_unordered_map, "unordered-map")
      .write_value(wire,
                   std::unordered_map<std::string, std::vector<int>>{{"k", {1, 2}}, {"", {}}});
  seeds(Operation::receive_nested, "nested")
      .write_value(wire, std::vector<std::vector<std::uint8_t>>{{1, 2}, {}, {3}});
  seeds(Operation::receive_into_span, "span")
      .write_value(wire, std::vector<std::int32_t>{1, 2, 3, 4});
  const Seeds existing = seeds(Operation::receive_into_existing, "existing");
  existing.write_value(wire, wire.value(std::vector<float>{0.5f, 2}) + wire.value(record),
                       wire.sent(std::vector<float>{}) + wire.sent(record));
  const Seeds stop = seeds(Operation::receive_or_stop, "or-stop");
  stop.write_value(wire, std::tuple<int, int>(2, 3));
  stop.write("stop", wire.stop() + wire.value(std::tuple<int, int>(4, 5)));
  seeds(Operation::receive_with_timeout, "timeout")
      .write_value(wire, std::vector<std::int16_t>{1, -1, 300});

  const Seeds send = seeds(Operation::send_then_receive_strings, "send");
  send.write("acknowledged", wire.acknowledgement() + wire.value(std::string("after")));
  send.write("value-first", wire.sent(std::string("early")) + wire.acknowledgement() +
                                wire.value(std::string("late")));
  send.write("stop-first", wire.stop() + wire.acknowledgement());
  send.write("error-report", wire.value(std::string("early")) +
                                 wire.error("std::invalid_argument", "no such cell") +
                                 wire.value(std::string("late")));
  send.write("value-then-end", wire.value(std::string("last")));
  send.write("acknowledgement-with-payload",
             claiming(wire.acknowledgement(), 16) + wire.value(std::string("inside")));
  send.write("error-claims-gibibyte",
             claiming(wire.error("E", "m"), detail::kMaxFrameBytes) + wire.value(1));
}

}  // namespace
}  // namespace pprocess::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: frame_seeds DIRECTORY\n";
    return 2;
  }
  std::filesystem::create_directories(argv[1]);
  pprocess::fuzz::write_seeds(argv[1]);
  return 0;
}
