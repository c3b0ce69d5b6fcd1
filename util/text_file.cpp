#include "util/text_file.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace iqnas::util {

std::string read_text_file(const std::string& path, const std::string& what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open " + what);
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) throw std::runtime_error(path + ": cannot read " + what);
  return ss.str();
}

}  // namespace iqnas::util
