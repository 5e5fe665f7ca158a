// Atomic replacement of a file, and the clean-up of temporaries that killed processes left.
#include "pygmy/output_file.hpp"

#include <dirent.h>
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
#include <deque>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace pygmy {

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "a regular file";
}

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

// Throws std::system_error(error) naming `file`, and saying `what` failed when it is not empty.
[[noreturn]] void fail(int error, const std::filesystem::path& file, const std::string& what) {
  throw std::system_error(error, std::generic_category(),
                          what.empty() ? file.string() : file.string() + ": " + what);
}

// Whether `a` and `b` describe the same file.
bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Removes the temporary `name` in `directory` if it is this user's and no process holds its
// lock: the process that wrote it is gone.
void remove_if_abandoned(int directory, const std::string& name) {
  const int fd = ::openat(directory, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return;
  }
  struct stat status {};
  struct stat there {};
  if (::fstat(fd, &status) == 0 && S_ISREG(status.st_mode) && status.st_uid == ::geteuid() &&
      ::flock(fd, LOCK_EX | LOCK_NB) == 0 &&
      ::fstatat(directory, name.c_str(), &there, AT_SYMLINK_NOFOLLOW) == 0 &&
      same_file(status, there)) {
    ::unlinkat(directory, name.c_str(), 0);
  }
  ::close(fd);
}

// Removes the temporaries of the file `name` in `directory` that were abandoned; see OutputFile.
// A directory that cannot be listed (no read permission) is simply not cleaned.
void remove_abandoned_temporaries(int directory, const std::string& name) {
  const int listing = ::openat(directory, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (listing < 0) {
    return;
  }
  DIR* entries = ::fdopendir(listing);
  if (entries == nullptr) {
    ::close(listing);
    return;
  }
  const std::string stem = temporary_stem(name);
  std::vector<std::string> abandoned;
  while (const dirent* entry = ::readdir(entries)) {
    if (is_temporary(entry->d_name, stem)) {
      abandoned.emplace_back(entry->d_name);
    }
  }
  ::closedir(entries);
  for (const std::string& temporary : abandoned) {
    remove_if_abandoned(directory, temporary);
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

// The names of `path`, in order; empty ones (from "a//b" or a trailing "/") left out.
std::deque<std::string> names_of(const std::string& path) {
  std::deque<std::string> names;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = std::min(path.find('/', start), path.size());
    if (slash > start) names.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return names;
}

// The target of the symbolic link open (O_PATH | O_NOFOLLOW) as `link`.
std::string link_target(int link, const std::filesystem::path& file,
                        const std::filesystem::path& shown) {
  std::string target(PATH_MAX, '\0');
  const ssize_t length = ::readlinkat(link, "", target.data(), target.size());
  if (length < 0) {
    fail(errno, file, "cannot read the link " + shown.string());
  }
  target.resize(static_cast<std::size_t>(length));
  return target;
}

// Throws unless the kernel's fs.protected_symlinks rule lets this user follow `link` (whose
// status is `link_status`) in `directory`: anywhere but in a sticky directory anybody may write,
// and there only a link of the user's own or of the directory's owner.
void check_may_follow(int directory, const struct stat& link_status,
                      const std::filesystem::path& file, const std::filesystem::path& shown) {
  struct stat parent {};
  if (::fstat(directory, &parent) != 0) {
    fail(errno, file, "cannot look at the directory of " + shown.string());
  }
  const bool shared = (parent.st_mode & S_ISVTX) != 0 && (parent.st_mode & S_IWOTH) != 0;
  if (shared && link_status.st_uid != ::geteuid() && link_status.st_uid != parent.st_uid) {
    fail(EACCES, file,
         "not following " + shown.string() + ", a symbolic link of user " +
             std::to_string(link_status.st_uid) +
             " in a sticky directory anybody may write: only links of the user's own or of the "
             "directory's owner are followed there");
  }
}

// Throws unless the regular file `status` describes (`shown` in `directory`) may be replaced:
// one the user may write. Root may write anything, so for root the mode bits decide: a file no
// one may write (0444) is read-only for root too, as it is for everyone.
void check_replaceable(int directory, const std::string& name, const struct stat& status,
                       const std::filesystem::path& file) {
  const bool writable = ::geteuid() == 0 ? (status.st_mode & 0222) != 0
                                         : ::faccessat(directory, name.c_str(), W_OK,
                                                       AT_EACCESS | AT_SYMLINK_NOFOLLOW) == 0 ||
                                               errno != EACCES;
  if (!writable) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(status.st_mode & 07777));
    fail(EACCES, file, std::string("not replacing a read-only file (mode ") + mode + ")");
  }
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
    fail(errno, file, "cannot create a file to write it from");
  }
  return fd;
}

// Writes all of `from` (from its start) into `to`.
void copy_all(int from, int to, const std::filesystem::path& file) {
  if (::lseek(from, 0, SEEK_SET) != 0) {
    fail(errno, file, "cannot rewind");
  }
  std::vector<char> buffer(1 << 20);
  for (;;) {
    const ssize_t got = ::read(from, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      fail(errno, file, "cannot read back");
    }
    if (got == 0) {
      return;
    }
    for (ssize_t done = 0; done < got;) {
      const ssize_t put = ::write(to, buffer.data() + done, static_cast<std::size_t>(got - done));
      if (put < 0 && errno != EINTR) {
        fail(errno, file, "cannot write");
      }
      done += std::max<ssize_t>(put, 0);
    }
  }
}

// Gives `fd` the owner and group of the file it replaces, or at least its group: only root may
// give a file away. Where neither is allowed it stays the writer's, like any new file.
bool take_owner(int fd, const struct stat& replaced) {
  return ::fchown(fd, replaced.st_uid, replaced.st_gid) == 0 ||
         ::fchown(fd, static_cast<uid_t>(-1), replaced.st_gid) == 0;
}

// The name of standard output, as most commands take it.
constexpr std::string_view kStandardOutput = "-";

}  // namespace

OutputFile::Descriptor::Descriptor(Descriptor&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

OutputFile::Descriptor& OutputFile::Descriptor::operator=(Descriptor&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

OutputFile::Descriptor::~Descriptor() {
  if (fd_ >= 0) ::close(fd_);
}

OutputFile::Resolved OutputFile::resolve(const std::filesystem::path& file, FinalLink final_link) {
  Resolved at;
  const bool absolute = file.native().starts_with('/');
  at.directory = Descriptor(::open(absolute ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  at.shown = absolute ? "/" : "";
  if (!at.directory) {
    fail(errno, file, "cannot open the directory to start from");
  }
  std::deque<std::string> names = names_of(file.native());
  int links = 0;
  while (!names.empty()) {
    const std::string name = std::move(names.front());
    names.pop_front();
    const bool last = names.empty();
    const std::filesystem::path shown = at.shown / name;
    if (name == "." || name == "..") {
      if (last) fail(EISDIR, file, "");
      if (name == "..") {
        at.directory =
            Descriptor(::openat(at.directory.get(), "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!at.directory) fail(errno, file, "cannot open " + shown.string());
        at.shown = shown;
      }
      continue;
    }
    // Opened without following, so that what is looked at is what is followed or used.
    Descriptor entry(::openat(at.directory.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    struct stat status {};
    if (!entry) {
      if (errno == ENOENT && last) {
        at.name = name;
        return at;  // a file to create
      }
      fail(errno, file, "cannot open " + shown.string());
    }
    if (::fstat(entry.get(), &status) != 0) {
      fail(errno, file, "cannot look at " + shown.string());
    }
    if (S_ISLNK(status.st_mode) && !(last && final_link == FinalLink::replace)) {
      check_may_follow(at.directory.get(), status, file, shown);
      if (++links > 40) {  // as many as Linux follows
        fail(ELOOP, file, "too many symbolic links");
      }
      const std::string target = link_target(entry.get(), file, shown);
      if (target.empty()) fail(ENOENT, file, "the link " + shown.string() + " is empty");
      std::deque<std::string> more = names_of(target);
      names.insert(names.begin(), more.begin(), more.end());
      if (target.starts_with('/')) {
        at.directory = Descriptor(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!at.directory) fail(errno, file, "cannot open /");
        at.shown = "/";
      }
      if (names.empty()) fail(EISDIR, file, "the link " + shown.string() + " names a directory");
      at.through_link = true;
      continue;
    }
    if (last) {
      at.name = name;
      at.exists = true;
      at.status = status;
      return at;
    }
    if (!S_ISDIR(status.st_mode)) {
      fail(ENOTDIR, file, shown.string() + " is not a directory");
    }
    at.directory = std::move(entry);
    at.shown = shown;
  }
  fail(EISDIR, file, "");
}

OutputFile::OutputFile(std::filesystem::path file, FinalLink final_link)
    : file_(std::move(file)), final_link_(final_link) {
  if (file_ == kStandardOutput) {
    in_place_ = true;
    device_ = Descriptor(::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0));
    if (!device_) fail(errno, file_, "standard output");
    fd_ = Descriptor(unnamed_file("standard output"));
    return;
  }
  Resolved resolved = resolve(file_, final_link_);
  const mode_t mode = resolved.status.st_mode;
  if (resolved.exists && S_ISDIR(mode)) {
    fail(EISDIR, file_, "");
  }
  if (resolved.exists && !S_ISREG(mode) && !S_ISLNK(mode)) {
    // Never replaced, whether named or reached through a link.
    if (S_ISSOCK(mode) || final_link_ == FinalLink::replace) {
      fail(S_ISSOCK(mode) ? ENXIO : EEXIST, file_,
           "not writing over " + kind_of(mode) + " (" + (resolved.shown / resolved.name).string() +
               ")");
    }
    open_in_place(resolved);
    return;
  }
  if (resolved.exists && S_ISREG(mode)) {
    check_replaceable(resolved.directory.get(), resolved.name, resolved.status, file_);
  }
  create_temporary(resolved);
}

void OutputFile::open_in_place(const Resolved& resolved) {
  in_place_ = true;
  device_ = Descriptor(::openat(resolved.directory.get(), resolved.name.c_str(),
                                O_WRONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC));
  if (!device_) {
    fail(errno, file_, "cannot open it for writing");
  }
  // The name may have been given to another file between the look and the open.
  struct stat opened {};
  if (::fstat(device_.get(), &opened) != 0 || !same_file(opened, resolved.status)) {
    fail(EAGAIN, file_, "it changed while it was being opened");
  }
  fd_ = Descriptor(unnamed_file(file_));
}

void OutputFile::create_temporary(const Resolved& resolved) {
  const int directory = resolved.directory.get();
  remove_abandoned_temporaries(directory, resolved.name);
  for (int n = 0; n < 100; ++n) {
    const std::string name = temporary_name(resolved.name, ::getpid(), n);
    // 0666 so that the finished file gets the permissions the umask allows, like any new file.
    Descriptor fd(::openat(directory, name.c_str(),
                           O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666));
    if (!fd && errno != EEXIST) {
      fail(errno, file_, "cannot create a temporary file beside it");
    }
    if (!fd) {
      continue;  // another OutputFile of this process writes the same file
    }
    // A clean-up in another process may have taken it for abandoned between open and lock.
    struct stat created {};
    if (!lock(fd.get()) || (::fstat(fd.get(), &created) == 0 && created.st_nlink > 0)) {
      fd_ = std::move(fd);
      temporary_name_ = name;
      temporary_ = resolved.shown / name;
      name_ = resolved.name;
      directory_ = Descriptor(::fcntl(directory, F_DUPFD_CLOEXEC, 0));
      if (!directory_) {
        const int error = errno;
        ::unlinkat(directory, name.c_str(), 0);
        fail(error, file_, "dup");
      }
      return;
    }
  }
  throw std::runtime_error(file_.string() + ": cannot find a free temporary file name");
}

void OutputFile::check(const std::filesystem::path& file, FinalLink final_link) {
  if (file == kStandardOutput) {
    return;
  }
  const Resolved resolved = resolve(file, final_link);
  const mode_t mode = resolved.status.st_mode;
  if (resolved.exists && (S_ISFIFO(mode) || S_ISCHR(mode) || S_ISBLK(mode)) &&
      final_link == FinalLink::follow) {
    return;  // opened only when written: a FIFO's reader would see an empty file
  }
  const OutputFile probe(file, final_link);
}

OutputFile::~OutputFile() {
  if (!committed_ && !temporary_name_.empty()) {
    ::unlinkat(directory_.get(), temporary_name_.c_str(), 0);
  }
}

void OutputFile::commit() {
  if (in_place()) {
    copy_all(fd_.get(), device_.get(), file_);
    // /dev/null, FIFOs and pipes have nothing to sync and say so with EINVAL.
    if (::fsync(device_.get()) != 0 && errno != EINVAL && errno != EROFS) {
      fail(errno, file_, "cannot sync");
    }
    committed_ = true;
    device_ = Descriptor();  // the reader of a FIFO sees its end now
    return;
  }
  // The file replaced may have been made read-only, or been replaced, while the image was
  // rendered: a device, FIFO or socket put there meanwhile is not replaced either.
  struct stat replaced {};
  const int directory = directory_.get();
  if (::fstatat(directory, name_.c_str(), &replaced, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISREG(replaced.st_mode) && !S_ISLNK(replaced.st_mode)) {
      fail(EEXIST, file_, "not writing over " + kind_of(replaced.st_mode) + ", there now");
    }
    if (S_ISREG(replaced.st_mode)) {
      check_replaceable(directory, name_, replaced, file_);
      take_owner(fd_.get(), replaced);
      // Its permission bits, after fchown, which may clear some; set-id bits have no use here.
      if (::fchmod(fd_.get(), replaced.st_mode & 0777) != 0) {
        fail(errno, file_, "cannot keep its permissions");
      }
    }
  }
  // The data must be on disk before the rename makes it the file, or a crash could leave an
  // empty file under the final name.
  if (::fsync(fd_.get()) != 0) {
    fail(errno, file_, "cannot sync");
  }
  if (::renameat(directory, temporary_name_.c_str(), directory, name_.c_str()) != 0) {
    fail(errno, file_, "cannot move the finished file into place");
  }
  committed_ = true;
  fd_ = Descriptor();
}

}  // namespace pygmy
