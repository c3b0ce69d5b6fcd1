#include "experiments/result_files.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "experiments/run_folder.h"

namespace iqnas::cli {

nlohmann::json read_json_if_exists(const std::string& path) {
  return std::filesystem::exists(path) ? nlohmann::json::parse(util::read_text_file(path)) : nlohmann::json();
}

double json_number(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* p = &j;
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) return NAN;
    p = &(*p)[k];
  }
  return p->is_number() ? p->get<double>() : NAN;
}

std::string format_value(const char* printf_format, double v) {
  if (!std::isfinite(v)) return "-";
  char b[64];
  std::snprintf(b, sizeof b, printf_format, v);
  return b;
}

}  // namespace iqnas::cli
