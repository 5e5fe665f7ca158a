// A render in a background process and its collection: the socket path check and the record a
// collected render leaves beside its address.
#include "background.hpp"

#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>
#include <vector>

#include "pygmy/output_file.hpp"

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

std::string user_named(uid_t uid) {
  std::string text = "user " + std::to_string(uid);
  passwd entry{};
  passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
    text += " (" + std::string(found->pw_name) + ")";
  }
  return text;
}

std::filesystem::path collected_marker(const std::string& address) {
  return address + ".collected";
}

void record_collected(const std::string& address, const std::filesystem::path& output) {
  // Replaced, never followed: a link at the record's name (anyone's) is not where it goes.
  OutputFile record(collected_marker(address), OutputFile::FinalLink::replace);
  std::error_code ignored;
  const std::string text =
      (output == "-" ? "standard output" : std::filesystem::absolute(output, ignored).string()) +
      '\n';
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t put = ::write(record.fd(), text.data() + done, text.size() - done);
    if (put < 0 && errno != EINTR) {
      throw std::system_error(errno, std::generic_category(),
                              collected_marker(address).string() + ": cannot write");
    }
    done += static_cast<std::size_t>(std::max<ssize_t>(put, 0));
  }
  record.commit();
}

std::optional<std::string> collected_into(const std::string& address) {
  // A link at the record's name was not made by a collect: it is no record.
  const int fd =
      ::open(collected_marker(address).c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return std::nullopt;
  }
  struct stat status {};
  std::string text(PATH_MAX + 1, '\0');
  ssize_t got = -1;
  if (::fstat(fd, &status) == 0 && S_ISREG(status.st_mode)) {
    do {
      got = ::read(fd, text.data(), text.size());
    } while (got < 0 && errno == EINTR);
  }
  ::close(fd);
  if (got < 0) {
    return std::nullopt;
  }
  text.resize(static_cast<std::size_t>(got));
  return text.substr(0, text.find('\n'));
}

}  // namespace pygmy::app
