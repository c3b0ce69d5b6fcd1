// Safe output files for the solver's writers (results, problems, sweep CSV and SVG).
#pragma once
#include <string>

namespace iqnas::solver {

// Writes `text` to a temporary file next to the target (unique name), checks every write, fsyncs
// it, renames it over the target and fsyncs the folder: a crash or a full disk never leaves a
// half-written or empty file in place of the previous one. A symbolic link is written through (its
// target is replaced); an existing target that is not a regular file (a FIFO, a device, a folder)
// is refused. Throws std::runtime_error naming the path.
void write_file_atomically(const std::string& text, const std::string& path);

// True when both paths name the same file: the same file when both exist, else the same
// normalised absolute path.
bool same_file(const std::string& a, const std::string& b);

}  // namespace iqnas::solver
