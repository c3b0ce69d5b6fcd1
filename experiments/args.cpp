#include "experiments/args.h"

#include <cmath>

namespace iqnas::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& options,
           const std::set<std::string>& flags) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-h" || a == "--help") {
      help_ = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) {
      positional_.push_back(a);
      continue;
    }
    std::string key = a.substr(2), value;
    if (auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    } else if (flags.count(key)) {
      value = "1";
    } else if (options.count(key)) {
      if (i + 1 >= argv.size()) throw UsageError("option --" + key + " needs a value");
      value = argv[++i];
    }
    if (!options.count(key) && !flags.count(key)) throw UsageError("unknown option --" + key);
    values_[key] = value;
  }
}

bool Args::has(const std::string& name) const { return values_.count(name) > 0; }

std::string Args::str(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw UsageError("missing required option --" + name);
  return it->second;
}

std::string Args::str(const std::string& name, const std::string& fallback) const {
  return has(name) ? str(name) : fallback;
}

double Args::num(const std::string& name) const {
  const std::string s = str(name);
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != s.size() || s.empty() || !std::isfinite(v))
    throw UsageError("option --" + name + " expects a finite number, got '" + s + "'");
  return v;
}

double Args::num(const std::string& name, double fallback) const {
  return has(name) ? num(name) : fallback;
}

int64_t Args::integer(const std::string& name, int64_t fallback) const {
  if (!has(name)) return fallback;
  double v = num(name);
  if (v != std::floor(v)) throw UsageError("option --" + name + " expects an integer, got '" + str(name) + "'");
  return static_cast<int64_t>(v);
}

int64_t Args::integer(const std::string& name, int64_t fallback, int64_t lo, int64_t hi) const {
  if (!has(name)) return fallback;
  const double v = num(name);
  if (v != std::floor(v) || v < static_cast<double>(lo) || v > static_cast<double>(hi))
    throw UsageError("option --" + name + " expects an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "], got '" + str(name) + "'");
  return static_cast<int64_t>(v);
}

}  // namespace iqnas::cli
