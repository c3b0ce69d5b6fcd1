// Reading a whole text file (a JSON document, a CSV table) into a string.
#pragma once
#include <string>

namespace iqnas::util {

// std::runtime_error "<path>: cannot open <what>" (or "cannot read") when the file cannot be read.
std::string read_text_file(const std::string& path, const std::string& what = "the file");

}  // namespace iqnas::util
