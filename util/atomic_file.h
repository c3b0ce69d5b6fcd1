// Writing a file so that nothing already written is lost: the content goes to a temporary file
// next to the target, is fsync'ed, and is renamed over the target; on any failure the temporary
// file is removed, the target is untouched, and std::runtime_error names the path and the cause.
// A target that exists and is not a regular file (a FIFO, a device, a directory) is refused.
#pragma once
#include <string>

namespace iqnas {

void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace iqnas
