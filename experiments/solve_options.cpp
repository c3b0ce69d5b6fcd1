#include "experiments/solve_options.h"

namespace iqnas::cli {

solver::SolveOptions solve_options(const Args& args) {
  solver::SolveOptions opt;
  opt.method = args.str("method", "exact");
  if (opt.method != "exact" && opt.method != "relax" && opt.method != "evo" && opt.method != "random")
    throw UsageError("--method must be exact, relax, evo or random, got '" + opt.method + "'");
  opt.time_limit_s = args.num("time-limit", 0.0);
  if (opt.time_limit_s < 0) throw UsageError("--time-limit must be >= 0");
  const int64_t seed = args.integer("seed", 0);
  if (seed < 0) throw UsageError("--seed must be >= 0");
  opt.seed = static_cast<uint64_t>(seed);
  const int64_t samples = args.integer("samples", 10000);
  if (samples < 1 || samples > 1000000000) throw UsageError("--samples must be between 1 and 1e9");
  opt.samples = static_cast<int>(samples);
  return opt;
}

}  // namespace iqnas::cli
