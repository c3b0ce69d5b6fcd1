#include "experiments/output.h"

#include <cstdarg>

#include "util/progress.h"

namespace iqnas::cli {

Output::Output(const Args& a) : json_(a.has("json")) {
  text_ = a.has("quiet") ? nullptr : json_ ? stderr : stdout;
  set_progress_quiet(a.has("quiet"));
}

std::set<std::string> Output::flags(std::set<std::string> own) {
  own.insert({"json", "quiet"});
  return own;
}

void Output::text(const char* fmt, ...) const {
  if (!text_) return;
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(text_, fmt, ap);
  va_end(ap);
}

void Output::result(const nlohmann::ordered_json& doc) const {
  if (json_) std::printf("%s\n", doc.dump(2).c_str());
}

}  // namespace iqnas::cli
