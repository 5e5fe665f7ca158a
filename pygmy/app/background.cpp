// A render in a background process and its collection: the socket path check and the record a
// collected render leaves beside its address.
#include "background.hpp"

#include <sys/un.h>

#include <fstream>
#include <string>
#include <system_error>

namespace pygmy::app {

std::string address_problem(const std::string& text) {
  constexpr std::size_t kMostBytes = sizeof(sockaddr_un::sun_path) - 1;
  if (text.empty() || text.size() > kMostBytes || text.find('\0') != std::string::npos) {
    return "expected a UNIX socket path of 1 to " + std::to_string(kMostBytes) + " bytes, got '" +
           text + "'";
  }
  if (std::error_code ignored; std::filesystem::is_directory(text, ignored)) {
    return "expected a UNIX socket path, not a directory, got '" + text + "'";
  }
  return "";
}

std::filesystem::path collected_marker(const std::string& address) {
  return address + ".collected";
}

void record_collected(const std::string& address, const std::filesystem::path& output) {
  std::error_code ignored;
  std::ofstream marker(collected_marker(address), std::ios::trunc);
  marker << std::filesystem::absolute(output, ignored).string() << '\n';
}

std::optional<std::string> collected_into(const std::string& address) {
  std::ifstream marker(collected_marker(address));
  std::string output;
  if (!marker || !std::getline(marker, output)) {
    return std::nullopt;
  }
  return output;
}

}  // namespace pygmy::app
