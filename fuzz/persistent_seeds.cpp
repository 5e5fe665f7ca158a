// Writes persistent_fuzz's seed corpus into a directory: for a client, a server's hello and the
// frames a background process sends (values of each type, an error report), then the same made
// hostile (a hello cut short, of another protocol, naming no process; frames cut short or of the
// wrong kind); for a server, a client's hello and its receipts, and the same made hostile.
//   cmake --build --preset fuzz --target persistent_seeds && build/fuzz/fuzz/persistent_seeds
//   fuzz/corpus/persistent
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "persistent_fuzz.hpp"
#include "persistent_socket.hpp"
#include "wire.hpp"

namespace pprocess::fuzz {
namespace {

using detail::Hello;

/// A hello's bytes.
std::string bytes_of(const Hello& hello) {
  std::string bytes(sizeof hello, '\0');
  std::memcpy(bytes.data(), &hello, sizeof hello);
  return bytes;
}

/// A server's hello, naming process `pid`.
std::string server_hello(std::int32_t pid = 4242) {
  Hello hello;
  hello.pid = pid;
  return bytes_of(hello);
}

/// Writes the seeds into `directory`, each named `<name>`, its first byte `first`.
class Seeds {
 public:
  explicit Seeds(std::filesystem::path directory) : directory_(std::move(directory)) {}

  void write(const std::string& name, std::uint8_t first, const std::string& bytes) const {
    std::ofstream file(directory_ / name, std::ios::binary);
    file.put(static_cast<char>(first));
    file << bytes;
    if (!file) {
      std::cerr << "persistent_seeds: cannot write " << (directory_ / name) << '\n';
      std::exit(1);
    }
  }

 private:
  std::filesystem::path directory_;
};

/// A client receiving values of `type`, sent as a background process's server sends them (each
/// asking for a receipt): `first` and `second`, two of them.
void write_client_seeds(const Seeds& seeds, Wire& wire, ValueType type, const std::string& name,
                        const std::string& first, const std::string& second) {
  const std::uint8_t byte = first_byte(Side::client, type);
  const std::string hello = server_hello();
  const std::string report = wire.error("std::runtime_error", "the work failed");
  std::string reported = report;
  reported[kFlagsOffset] = static_cast<char>(detail::kWantsAcknowledgement);
  seeds.write("client-" + name + "-values", byte, hello + first + second);
  seeds.write("client-" + name + "-error-report", byte, hello + first + reported + second);
  seeds.write("client-" + name + "-cut-short", byte,
              hello + first + second.substr(0, second.size() / 2));
  seeds.write("client-" + name + "-acknowledgement", byte, hello + wire.acknowledgement() + first);
  seeds.write("client-" + name + "-stop", byte, hello + wire.stop() + first);
  seeds.write("client-" + name + "-claims-gibibyte", byte,
              hello + claiming(first, detail::kMaxFrameBytes));
}

void write_seeds(const std::filesystem::path& directory) {
  const Seeds seeds(directory);
  Wire wire;

  // A client: the hello, made hostile.
  const std::uint8_t client = first_byte(Side::client);
  const std::string value = wire.sent(std::string("hello"));
  Hello foreign;
  foreign.magic = {'n', 'o', 't', ' ', 'o', 'u', 'r', 's'};
  foreign.pid = 4242;
  Hello later;
  later.version = kPersistentProtocolVersion + 1;
  later.pid = 4242;
  seeds.write("client-hello-only", client, server_hello());
  seeds.write("client-nothing", client, "");
  seeds.write("client-hello-cut-short", client, server_hello().substr(0, 10));
  seeds.write("client-hello-foreign", client, bytes_of(foreign) + value);
  seeds.write("client-hello-other-version", client, bytes_of(later) + value);
  seeds.write("client-hello-no-process", client, server_hello(0) + value);
  seeds.write("client-hello-negative-process", client, server_hello(-1) + value);
  seeds.write("client-hello-of-a-client", client, bytes_of(Hello{}) + value);
  Hello busy;
  busy.pid = 4242;
  busy.holder = 4343;
  seeds.write("client-hello-busy", client, bytes_of(busy));
  seeds.write("client-hello-other-version-short", client,
              bytes_of(later).substr(0, detail::kHelloOpening));
  seeds.write("client-frame-for-hello", client, value + value);

  // A client: the values each type is received as.
  write_client_seeds(seeds, wire, ValueType::string, "string", value,
                     wire.sent(std::string("world")));
  write_client_seeds(seeds, wire, ValueType::integers, "integers",
                     wire.sent(std::vector<int>{1, 2, 3}), wire.sent(std::vector<int>{}));
  write_client_seeds(seeds, wire, ValueType::row, "row",
                     wire.sent(Row{3, {30, 31, 32, 33, 34, 35, 36, 37, 38, 39}}),
                     wire.sent(Row{0, {0, 1, 2}}));
  write_client_seeds(seeds, wire, ValueType::strings, "strings",
                     wire.sent(std::vector<std::string>{"a", "", "bc"}),
                     wire.sent(std::vector<std::string>{}));

  // A server: a client's hello, then its receipts, made hostile.
  const std::uint8_t server = first_byte(Side::server);
  const std::string hello = bytes_of(Hello{});
  const std::string receipt = wire.acknowledgement();
  seeds.write("server-receipts", server, hello + receipt + receipt + receipt + receipt);
  seeds.write("server-one-receipt", server, hello + receipt);
  seeds.write("server-hello-only", server, hello);
  seeds.write("server-nothing", server, "");
  seeds.write("server-hello-cut-short", server, hello.substr(0, 10) + receipt);
  seeds.write("server-hello-foreign", server, bytes_of(foreign) + receipt);
  seeds.write("server-hello-other-version", server, bytes_of(later) + receipt);
  seeds.write("server-value-for-receipt", server, hello + receipt + value + receipt);
  seeds.write("server-stop-for-receipt", server, hello + wire.stop() + receipt);
  seeds.write("server-error-for-receipt", server,
              hello + receipt + wire.error("std::runtime_error", "no") + receipt);
  seeds.write("server-receipt-with-payload", server, hello + claiming(receipt, 16) + receipt);
  seeds.write("server-receipt-cut-short", server, hello + receipt + receipt.substr(0, 7));
}

}  // namespace
}  // namespace pprocess::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: persistent_seeds DIRECTORY\n";
    return 2;
  }
  std::filesystem::create_directories(argv[1]);
  pprocess::fuzz::write_seeds(argv[1]);
  return 0;
}
