// Atomic replacement of a file, and the clean-up of temporaries that killed processes left.
#include "output_file.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace pygmy {
namespace {

constexpr std::string_view kTag = ".pygmy-";
constexpr std::string_view kEnding = ".tmp";
// The longest ".pygmy-<pid>-<n>.tmp": a pid of 10 digits, n of 2.
constexpr std::size_t kLongestSuffix = kTag.size() + 10 + 3 + kEnding.size();

// FNV-1a: a short fingerprint of a name that is the same in every process.
std::uint64_t fingerprint(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : text) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  }
  return hash;
}

// ".<name>", or for a long name its first bytes (whole UTF-8 characters) then "~<fingerprint>":
// what the temporaries of `name` start with, short enough for any suffix.
std::string temporary_stem(const std::string& name) {
  const std::size_t room = NAME_MAX - kLongestSuffix;
  std::string stem(".");
  if (1 + name.size() <= room) {
    return stem.append(name);
  }
  char mark[18];
  std::snprintf(mark, sizeof mark, "~%016llx", static_cast<unsigned long long>(fingerprint(name)));
  std::size_t keep = room - 1 - (sizeof mark - 1);
  while (keep > 0 && (static_cast<unsigned char>(name[keep]) & 0xC0) == 0x80) {
    --keep;  // not inside a UTF-8 character
  }
  return stem.append(name, 0, keep).append(mark);
}

// Whether `name` is a temporary whose name starts with `stem`: "<stem>.pygmy-<pid>[-<n>].tmp".
bool is_temporary(std::string_view name, std::string_view stem) {
  if (name.size() <= stem.size() + kTag.size() + kEnding.size() || !name.starts_with(stem) ||
      !name.ends_with(kEnding) || name.substr(stem.size(), kTag.size()) != kTag) {
    return false;
  }
  const std::string_view middle = name.substr(
      stem.size() + kTag.size(), name.size() - stem.size() - kTag.size() - kEnding.size());
  const std::size_t dash = middle.find('-');
  const std::string_view pid = middle.substr(0, dash);
  const std::string_view n = dash == std::string_view::npos ? "0" : middle.substr(dash + 1);
  return !pid.empty() && !n.empty() && pid.find_first_not_of("0123456789") == std::string::npos &&
         n.find_first_not_of("0123456789") == std::string::npos;
}

// Takes the lock that marks a temporary as being written, waiting while a clean-up looks at it.
// False where the file system has no locks: the temporary is then simply never cleaned up.
bool lock(int fd) {
  int result = 0;
  do {
    result = ::flock(fd, LOCK_EX);
  } while (result != 0 && errno == EINTR);
  return result == 0;
}

// Removes `temporary` if no process holds its lock: the process that wrote it is gone.
void remove_if_abandoned(const std::filesystem::path& temporary) {
  const int fd = ::open(temporary.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return;
  }
  struct stat status {};
  if (::fstat(fd, &status) == 0 && S_ISREG(status.st_mode) && ::flock(fd, LOCK_EX | LOCK_NB) == 0) {
    ::unlink(temporary.c_str());
  }
  ::close(fd);
}

// Removes the temporaries of `file` that were abandoned; see OutputFile.
void remove_abandoned_temporaries(const std::filesystem::path& file) {
  const std::string stem = temporary_stem(file.filename());
  const std::filesystem::path directory = file.parent_path().empty() ? "." : file.parent_path();
  std::error_code error;
  for (std::filesystem::directory_iterator entry(directory, error), end; !error && entry != end;
       entry.increment(error)) {
    if (is_temporary(entry->path().filename().native(), stem)) {
      remove_if_abandoned(entry->path());
    }
  }
}

// The name of a temporary of the file called `name` written by process `pid`:
// ".<name>.pygmy-<pid>.tmp", or ".<name>.pygmy-<pid>-<n>.tmp" for the n-th other one at once.
std::string temporary_name(const std::string& name, pid_t pid, int n) {
  std::string temporary = temporary_stem(name);
  temporary.append(kTag).append(std::to_string(pid));
  if (n != 0) temporary.append("-").append(std::to_string(n));
  return temporary.append(kEnding);
}

// The file at the end of `file`'s chain of symbolic links (it need not exist), or `file` when it
// is no link. Relative links are relative to the directory of the link.
std::filesystem::path through_links(const std::filesystem::path& file) {
  std::filesystem::path path = file;
  for (int hops = 0; hops <= 40; ++hops) {  // Linux follows at most 40
    std::error_code error;
    if (!std::filesystem::is_symlink(std::filesystem::symlink_status(path, error))) {
      return path;
    }
    const std::filesystem::path target = std::filesystem::read_symlink(path, error);
    if (error) {
      throw std::system_error(error, file.string() + ": cannot read the link " + path.string());
    }
    path = target.is_absolute() ? target : path.parent_path() / target;
  }
  throw std::system_error(ELOOP, std::generic_category(), file.string());
}

// A file with no name, open for reading and writing: in the temporary directory, else in
// memory. Nothing is left of it, however the process ends.
int unnamed_file(const std::filesystem::path& file) {
  std::error_code ignored;
  const std::filesystem::path directory = std::filesystem::temp_directory_path(ignored);
  int fd = ::open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    fd = ::memfd_create("pygmy-output", MFD_CLOEXEC);
  }
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(),
                            file.string() + ": cannot create a file to write it from");
  }
  return fd;
}

// Writes all of `from` (from its start) into `to`.
void copy_all(int from, int to, const std::filesystem::path& file) {
  if (::lseek(from, 0, SEEK_SET) != 0) {
    throw std::system_error(errno, std::generic_category(), file.string() + ": cannot rewind");
  }
  std::vector<char> buffer(1 << 20);
  for (;;) {
    const ssize_t got = ::read(from, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      throw std::system_error(errno, std::generic_category(), file.string() + ": cannot read back");
    }
    if (got == 0) {
      return;
    }
    for (ssize_t done = 0; done < got;) {
      const ssize_t put = ::write(to, buffer.data() + done, static_cast<std::size_t>(got - done));
      if (put < 0 && errno != EINTR) {
        throw std::system_error(errno, std::generic_category(), file.string() + ": cannot write");
      }
      done += std::max<ssize_t>(put, 0);
    }
  }
}

// Throws unless `file` (found through its links as `target`) may be replaced: a file that does
// not exist yet, or one the user may write. Root may write anything, so for root the mode bits
// decide: a file no one may write (0444) is read-only for root too, as it is for everyone.
void check_replaceable(const std::filesystem::path& file, const std::filesystem::path& target) {
  struct stat status {};
  if (::stat(target.c_str(), &status) != 0 || !S_ISREG(status.st_mode)) {
    return;
  }
  const bool writable =
      ::geteuid() == 0
          ? (status.st_mode & 0222) != 0
          : ::faccessat(AT_FDCWD, target.c_str(), W_OK, AT_EACCESS) == 0 || errno != EACCES;
  if (!writable) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(status.st_mode & 07777));
    throw std::system_error(EACCES, std::generic_category(),
                            file.string() + ": not replacing a read-only file (mode " + mode + ")");
  }
}

// Gives `fd` the owner and group of the file it replaces, or at least its group: only root may
// give a file away. Where neither is allowed it stays the writer's, like any new file.
bool take_owner(int fd, const struct stat& replaced) {
  return ::fchown(fd, replaced.st_uid, replaced.st_gid) == 0 ||
         ::fchown(fd, static_cast<uid_t>(-1), replaced.st_gid) == 0;
}

}  // namespace

OutputFile::OutputFile(std::filesystem::path file) : file_(std::move(file)) {
  struct stat status {};
  const bool exists = ::stat(file_.c_str(), &status) == 0;
  if (exists && S_ISDIR(status.st_mode)) {
    throw std::system_error(EISDIR, std::generic_category(), file_.string());
  }
  if (exists && !S_ISREG(status.st_mode)) {
    in_place_ = true;
    device_ = ::open(file_.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (device_ < 0) {
      throw std::system_error(errno, std::generic_category(),
                              file_.string() + ": cannot open it for writing");
    }
    try {
      fd_ = unnamed_file(file_);
    } catch (...) {
      ::close(device_);
      throw;
    }
    return;
  }
  target_ = through_links(file_);
  check_replaceable(file_, target_);
  remove_abandoned_temporaries(target_);
  for (int n = 0; n < 100; ++n) {
    temporary_ = target_.parent_path() / temporary_name(target_.filename(), ::getpid(), n);
    // 0666 so that the finished file gets the permissions the umask allows, like any new file.
    fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EEXIST) {
      throw std::system_error(errno, std::generic_category(),
                              file_.string() + ": cannot create a temporary file beside it");
    }
    if (fd_ < 0) {
      continue;  // another OutputFile of this process writes the same file
    }
    // A clean-up in another process may have taken it for abandoned between open and lock.
    struct stat created {};
    if (!lock(fd_) || (::fstat(fd_, &created) == 0 && created.st_nlink > 0)) {
      return;
    }
    ::close(fd_);
    fd_ = -1;
  }
  throw std::runtime_error(file_.string() + ": cannot find a free temporary file name");
}

OutputFile::~OutputFile() {
  if (!committed_ && !temporary_.empty()) {
    ::unlink(temporary_.c_str());
  }
  if (fd_ >= 0) {
    ::close(fd_);
  }
  if (device_ >= 0) {
    ::close(device_);
  }
}

void OutputFile::commit() {
  if (in_place()) {
    copy_all(fd_, device_, file_);
    // /dev/null and FIFOs have nothing to sync and say so with EINVAL.
    if (::fsync(device_) != 0 && errno != EINVAL && errno != EROFS) {
      throw std::system_error(errno, std::generic_category(), file_.string() + ": cannot sync");
    }
    committed_ = true;
    ::close(std::exchange(device_, -1));  // the reader of a FIFO sees its end now
    return;
  }
  // The file replaced may have been made read-only while the image was rendered.
  check_replaceable(file_, target_);
  if (struct stat replaced{};
      ::stat(target_.c_str(), &replaced) == 0 && S_ISREG(replaced.st_mode)) {
    take_owner(fd_, replaced);
    // Its permission bits, after fchown, which may clear some; set-id bits have no use here.
    if (::fchmod(fd_, replaced.st_mode & 0777) != 0) {
      throw std::system_error(errno, std::generic_category(),
                              file_.string() + ": cannot keep its permissions");
    }
  }
  // The data must be on disk before the rename makes it the file, or a crash could leave an
  // empty file under the final name.
  if (::fsync(fd_) != 0) {
    throw std::system_error(errno, std::generic_category(), file_.string() + ": cannot sync");
  }
  if (std::rename(temporary_.c_str(), target_.c_str()) != 0) {
    throw std::system_error(errno, std::generic_category(),
                            file_.string() + ": cannot move the finished file into place");
  }
  committed_ = true;
  ::close(fd_);
  fd_ = -1;
}

}  // namespace pygmy
