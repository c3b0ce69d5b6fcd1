// The solver options shared by `iqnas solve` and `iqnas sweep`: --method, --time-limit, --seed,
// --samples, checked with a usage error naming the option.
#pragma once
#include "experiments/args.h"
#include "solver/solve.h"

namespace iqnas::cli {
solver::SolveOptions solve_options(const Args& args);
}  // namespace iqnas::cli
