// Writing a file so that nothing already written is lost: the content goes to a temporary file
// next to the target (`<target>.tmp.<pid>`), every write is checked, it is fsync'ed and renamed
// over the target, and the folder is fsync'ed; on any failure the temporary file is removed, the
// target is untouched, and AtomicFileError names the path and the cause. A symbolic link is
// written through (its target is replaced); an existing target that is not a regular file (a FIFO,
// a device, a folder) is refused. Temporary files of the same target left by a process that no
// longer exists (killed before it could clean up) are removed when the target is next written.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>

namespace iqnas {

class AtomicFileError : public std::runtime_error {
 public:
  AtomicFileError(const std::string& path, const std::string& cause)
      : std::runtime_error(path + ": " + cause), path_(path), cause_(cause) {}
  const std::string& path() const { return path_; }
  const std::string& cause() const { return cause_; }  // the message without the path

 private:
  std::string path_, cause_;
};

// A streamed atomic write, for content too large to build in memory first (checkpoints).
// Nothing is visible at `path` until commit(); destroyed without commit(), it leaves no trace.
class AtomicFile {
 public:
  explicit AtomicFile(const std::string& path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  void write(const void* data, size_t n);
  void commit();

 private:
  [[noreturn]] void abandon(const std::string& what, int err);
  std::string path_, target_, tmp_;
  int fd_ = -1;
};

void write_file_atomic(const std::string& path, const std::string& content);

// True when both paths name the same file: the same file when both exist, else the same
// normalised absolute path (so an output can be refused when it would overwrite an input).
bool same_file(const std::string& a, const std::string& b);

}  // namespace iqnas
