// A file replaced atomically: written under a temporary name beside it, then renamed over it.
#pragma once

#include <filesystem>
#include <string>

namespace pygmy {

// Where a file is written until it is complete. A regular file (or one that does not exist yet)
// is replaced atomically: the constructor first removes the temporaries of the same file that no
// process is writing any more (a process that wrote one was killed), then creates its own beside
// the file, ".<name>.pygmy-<pid>.tmp" (a name too long for that to fit in NAME_MAX bytes is cut
// short and ended by a hash of the whole name), and locks it (flock) for as long as it lives.
// That lock, not the pid in the name, tells a live temporary from an abandoned one, so neither a
// reused pid nor another pid namespace misleads the clean-up. commit() syncs the temporary and
// renames it over the file; an OutputFile destroyed before that removes its temporary.
//
// A file replaced keeps its permission bits, and its owner and group as far as the writer may
// give them (root keeps both). A file the user may not write is refused, as cp would refuse it:
// for root, who may write anything, one with no write bit at all (0444) is refused.
//
// A symbolic link is written through: the temporary sits beside the file at the end of its
// chain of links, which is what the rename replaces (a dangling link gets its file created). A
// device or FIFO is never replaced: it is opened for writing at once (a FIFO waits here for its
// reader, as a shell's redirection does), the contents go to a file with no name first, for
// libtiff must seek, and commit() copies them into the device.
//   OutputFile output("test.tif");
//   write_everything(output.fd());
//   output.commit();
class OutputFile {
 public:
  // Throws std::system_error naming `file` when the temporary cannot be made or the device
  // cannot be opened, when `file` is a directory, or is read-only (EACCES).
  explicit OutputFile(std::filesystem::path file);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  OutputFile(OutputFile&&) = delete;
  OutputFile& operator=(OutputFile&&) = delete;
  ~OutputFile();

  // The temporary, until commit(); empty for a device or FIFO.
  [[nodiscard]] const std::filesystem::path& temporary_path() const { return temporary_; }

  // Whether the file is a device or FIFO, written in place by commit().
  [[nodiscard]] bool in_place() const { return in_place_; }

  // Where to write the contents, open for writing (and, for a device, reading) at offset 0.
  [[nodiscard]] int fd() const { return fd_; }

  // Syncs what was written and renames it over the file (or copies it into the device). Throws
  // std::system_error naming the file; then the temporary is removed by the destructor and a
  // regular file is untouched.
  void commit();

 private:
  std::filesystem::path file_;       // as given: named in errors
  std::filesystem::path target_;     // what the rename replaces: file_ through its links
  std::filesystem::path temporary_;  // beside target_; empty for a device
  int fd_ = -1;                      // the temporary, locked; for a device, a file with no name
  int device_ = -1;                  // the device or FIFO, open for writing until commit()
  bool in_place_ = false;
  bool committed_ = false;
};

}  // namespace pygmy
