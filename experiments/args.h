// A small `--key value` / `--flag` parser for the subcommands. Unknown options, missing values and
// malformed numbers raise UsageError with a message naming the option.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace iqnas::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  // `options` lists the accepted option names (without dashes); names in `flags` take no value.
  Args(const std::vector<std::string>& argv, const std::set<std::string>& options,
       const std::set<std::string>& flags = {});

  bool has(const std::string& name) const;
  bool help() const { return help_; }
  std::string str(const std::string& name) const;  // required
  std::string str(const std::string& name, const std::string& fallback) const;
  // A finite number (util/number.h), optionally in [lo, hi]; UsageError naming the option otherwise.
  double num(const std::string& name) const;  // required
  double num(const std::string& name, double fallback) const;
  double num(const std::string& name, double fallback, double lo, double hi) const;
  // An integer in [lo, hi]; UsageError naming the option and the range otherwise. There is no
  // overload without a range, so that no caller narrows a value it never checked.
  int64_t integer(const std::string& name, int64_t fallback, int64_t lo, int64_t hi) const;
  const std::vector<std::string>& positional() const { return positional_; }
  // Option `name` (or `fallback`) read by `parse`, a function of its text that throws
  // std::invalid_argument with a message that starts with the option's name: a UsageError then.
  template <class Parse>
  auto parsed(const std::string& name, const std::string& fallback, Parse&& parse) const {
    try {
      return parse(str(name, fallback));
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--") + e.what());
    }
  }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

}  // namespace iqnas::cli
