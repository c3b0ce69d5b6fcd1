#include "experiments/args.h"

#include "util/number.h"

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
  try {
    return parse_number(str(name), "option --" + name);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

double Args::num(const std::string& name, double fallback) const { return has(name) ? num(name) : fallback; }

double Args::num(const std::string& name, double fallback, double lo, double hi) const {
  if (!has(name)) return fallback;
  try {
    return parse_number(str(name), "option --" + name, lo, hi);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

int64_t Args::integer(const std::string& name, int64_t fallback, int64_t lo, int64_t hi) const {
  if (!has(name)) return fallback;
  try {
    return parse_int(str(name), "option --" + name, lo, hi);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

}  // namespace iqnas::cli
