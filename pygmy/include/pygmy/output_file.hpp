// A file replaced atomically: written under a temporary name beside it, then renamed over it.
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <string>

namespace pygmy {

// Where a file is written until it is complete. A regular file (or one that does not exist yet)
// is replaced atomically: the constructor first removes the temporaries of the same file that no
// process is writing any more (a process that wrote one was killed), then creates its own beside
// the file, ".<name>.pygmy-<pid>.tmp" (a name too long for that to fit in NAME_MAX bytes is cut
// short and ended by a hash of the whole name), and locks it (flock) for as long as it lives.
// That lock, not the pid in the name, tells a live temporary from an abandoned one, so neither a
// reused pid nor another pid namespace misleads the clean-up, and only the user's own temporaries
// are removed. commit() syncs the temporary and renames it over the file; an OutputFile
// destroyed before that removes its temporary.
//
// A file replaced keeps its permission bits, and its owner and group as far as the writer may
// give them (root keeps both). A file the user may not write is refused, as cp would refuse it:
// for root, who may write anything, one with no write bit at all (0444) is refused.
//
// The path is resolved here, one name at a time, each directory held open from the moment it is
// found: the temporary is created in the directory held (O_EXCL, never through a link) and
// renamed within it, so nothing swapped in after the checks redirects the write. A symbolic link
// is followed as the kernel's fs.protected_symlinks would allow, whatever that setting is: in a
// sticky directory anybody may write (/tmp), only a link of the user's own or of the directory's
// owner; another user's link there is refused (EACCES), so nobody can point root's output at a
// file of their choosing. A link followed is written through: the temporary sits beside the file
// at the end of the chain of links, which is what the rename replaces (a dangling link gets its
// file created). A device or FIFO is never replaced: it is opened for writing at once (a FIFO
// waits here for its reader, as a shell's redirection does), the contents go to a file with no
// name first, for libtiff must seek, and commit() copies them into the device. A socket is
// refused. "-" names standard output, written in place as a FIFO is (and left open).
//   OutputFile output("test.tif");
//   write_everything(output.fd());
//   output.commit();
class OutputFile {
 public:
  // What a symbolic link at the file's own name means.
  enum class FinalLink {
    follow,   // the link is the user's way to name the file: written through (an image)
    replace,  // the link is nobody's business: replaced like a file, never followed (a record)
  };

  // Throws std::system_error naming `file` when the temporary cannot be made or the device
  // cannot be opened, when `file` is a directory or a socket, or is read-only or reached through
  // another user's link in a sticky directory (EACCES). With FinalLink::replace a device or FIFO
  // is refused too.
  explicit OutputFile(std::filesystem::path file, FinalLink final_link = FinalLink::follow);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  OutputFile(OutputFile&&) = delete;
  OutputFile& operator=(OutputFile&&) = delete;
  ~OutputFile();

  // Throws as the constructor would for `file`, leaving nothing behind; a device or FIFO is
  // checked without being opened (a FIFO's reader would get an empty file).
  //   OutputFile::check("out/test.tif");  // before a long job that writes it only at the end
  static void check(const std::filesystem::path& file, FinalLink final_link = FinalLink::follow);

  // The temporary, until commit(); empty for a device, FIFO or standard output.
  [[nodiscard]] const std::filesystem::path& temporary_path() const { return temporary_; }

  // Whether the file is a device, FIFO or standard output, written in place by commit().
  [[nodiscard]] bool in_place() const { return in_place_; }

  // Where to write the contents, open for writing (and, for a device, reading) at offset 0.
  [[nodiscard]] int fd() const { return fd_.get(); }

  // Syncs what was written and renames it over the file (or copies it into the device). Throws
  // std::system_error naming the file; then the temporary is removed by the destructor and a
  // regular file is untouched.
  void commit();

 private:
  // One descriptor, closed on destruction.
  class Descriptor {
   public:
    Descriptor() = default;
    explicit Descriptor(int fd) : fd_(fd) {}
    Descriptor(Descriptor&& other) noexcept;
    Descriptor& operator=(Descriptor&& other) noexcept;
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    ~Descriptor();
    [[nodiscard]] int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }

   private:
    int fd_ = -1;
  };

  // Where a path leads once resolved: a directory held open, and a name in it.
  struct Resolved {
    Descriptor directory;         // O_PATH
    std::filesystem::path shown;  // the directory's path, as reached: for messages
    std::string name;             // the last name, in `directory`
    bool exists = false;          // whether `name` is there
    bool through_link = false;    // whether a symbolic link led here
    struct stat status {};        // of `name` (never followed), when it exists
  };

  static Resolved resolve(const std::filesystem::path& file, FinalLink final_link);
  void open_in_place(const Resolved& resolved);
  void create_temporary(const Resolved& resolved);

  std::filesystem::path file_;  // as given: named in errors
  FinalLink final_link_;
  Descriptor directory_;             // where the temporary and the file are, held open
  std::string name_;                 // the file's name in directory_: what the rename replaces
  std::string temporary_name_;       // the temporary's name in directory_
  std::filesystem::path temporary_;  // the temporary's path, for messages and signal handlers
  Descriptor fd_;                    // the temporary, locked; for a device, a file with no name
  Descriptor device_;                // the device or FIFO, open for writing until commit()
  bool in_place_ = false;
  bool committed_ = false;
};

// What a file of mode `mode` (st_mode) is, for messages: "a socket", "a regular file".
//   std::string what = kind_of(status.st_mode);
[[nodiscard]] std::string kind_of(mode_t mode);

}  // namespace pygmy
