// A file replaced atomically: written under a temporary name beside it, then renamed over it.
#pragma once

#include <filesystem>
#include <string>

namespace pygmy {

// Where a file is written until it is complete. The constructor first removes the temporaries
// of the same file that no process is writing any more (a process that wrote one was killed),
// then creates its own beside the file, ".<name>.pygmy-<pid>.tmp" (a name too long for that to
// fit in NAME_MAX bytes is cut short and ended by a hash of the whole name), and locks it (flock)
// for as long as it lives. That lock, not the pid in the name, tells a live temporary from an
// abandoned one, so neither a reused pid nor another pid namespace misleads the clean-up.
// commit() syncs the temporary and renames it over the file; an OutputFile destroyed before that
// removes its temporary.
//   OutputFile output("test.tif");
//   write_everything(output.fd());
//   output.commit();
class OutputFile {
 public:
  // Throws std::system_error naming `file` when the temporary cannot be made.
  explicit OutputFile(std::filesystem::path file);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  OutputFile(OutputFile&&) = delete;
  OutputFile& operator=(OutputFile&&) = delete;
  ~OutputFile();

  // The temporary, until commit().
  [[nodiscard]] const std::filesystem::path& temporary_path() const { return temporary_; }

  // Where to write the contents: the temporary, open for writing at offset 0.
  [[nodiscard]] int fd() const { return fd_; }

  // Syncs what was written and renames it over the file. Throws std::system_error naming the
  // file; then the temporary is removed by the destructor and the file is untouched.
  void commit();

 private:
  std::filesystem::path file_;
  std::filesystem::path temporary_;
  int fd_ = -1;  // the temporary, locked
  bool committed_ = false;
};

}  // namespace pygmy
