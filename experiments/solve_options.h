// The solver options shared by `iqnas solve` and `iqnas sweep`, generated from the registry of
// solver/methods.h: --method and every method's options, range-checked with a usage error naming
// the option; an option that the chosen method does not take is refused.
#pragma once
#include <set>
#include <string>

#include "experiments/args.h"
#include "solver/solve.h"

namespace iqnas::cli {
// Option names (without dashes) to accept: "method" and every method option.
std::set<std::string> solve_option_names();
// Usage lines for them.
std::string solve_options_usage();
solver::SolveOptions solve_options(const Args& args);
}  // namespace iqnas::cli
