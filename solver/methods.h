// The registry of solver methods: the one place that lists every method by name, with a summary
// and its options (command-line name, help, range). `solve()` dispatches through it, `iqnas
// solve` / `iqnas sweep` build their usage text and option checks from it, and every result
// echoes the options of its method.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "solver/problem.h"
#include "solver/solve.h"

namespace iqnas::solver {

struct MethodOption {
  std::string flag;  // command-line name without dashes, also the key in the result's "options"
  std::string help;
  bool integer = false;
  double min = 0, max = 0;  // accepted range, both ends included
  double (*get)(const SolveOptions&) = nullptr;
  void (*set)(SolveOptions&, double) = nullptr;
};

struct Method {
  std::string name;
  std::string summary;
  std::vector<MethodOption> options;
  Result (*run)(const Problem&, const SolveOptions&) = nullptr;
};

// Every method, in the order of the usage text.
const std::vector<Method>& methods();
// The method of that name; throws std::invalid_argument listing the names when there is none.
const Method& find_method(const std::string& name);
// "exact|relax|..." (or with another separator).
std::string method_names(const std::string& sep = "|");
// Every option flag of any method, once each, in registry order.
std::vector<const MethodOption*> all_options();
// Throws std::invalid_argument naming the option when a value of the chosen method's options is
// out of range or not an integer where it must be.
void validate_options(const SolveOptions& opt);
// The options of opt.method with their values, as echoed into the result.
std::vector<std::pair<std::string, double>> method_option_values(const SolveOptions& opt);
// Usage lines describing --method and every option (for the command help).
std::string methods_usage();

}  // namespace iqnas::solver
