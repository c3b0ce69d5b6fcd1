// Writing a file so that nothing already written is lost: the content goes to a temporary file
// next to the target, every write is checked, it is fsync'ed and renamed over the target, and the
// folder is fsync'ed; on any failure the temporary file is removed, the target is untouched, and
// std::runtime_error names the path and the cause. A symbolic link is written through (its target
// is replaced); an existing target that is not a regular file (a FIFO, a device, a folder) is refused.
#pragma once
#include <string>

namespace iqnas {

void write_file_atomic(const std::string& path, const std::string& content);

// True when both paths name the same file: the same file when both exist, else the same
// normalised absolute path (so an output can be refused when it would overwrite an input).
bool same_file(const std::string& a, const std::string& b);

}  // namespace iqnas
