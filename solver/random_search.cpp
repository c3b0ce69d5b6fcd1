// `random`: the best of K uniformly sampled selections that fit every budget.
#include <chrono>

#include "solver/detail/dense.h"
#include "solver/heuristics.h"
#include "solver/solve.h"
#include "util/rng.h"

namespace iqnas::solver {

Result solve_random(const Problem& p, const RandomOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  DenseProblem d(p);
  util::Rng rng(opt.seed);
  std::vector<int> sel(d.G), best;
  std::vector<double> rows(d.R);
  double best_val = 0;
  int feasible = 0;
  for (int s = 0; s < opt.samples; ++s) {
    for (int g = 0; g < d.G; ++g) sel[g] = static_cast<int>(rng.below(static_cast<uint64_t>(d.n[g])));
    d.eval(sel.data(), rows.data());
    if (!d.feasible(rows.data())) continue;
    ++feasible;
    if (best.empty() || rows[0] > best_val) {
      best = sel;
      best_val = rows[0];
    }
  }
  Result r;
  r.method = "random";
  r.set_stat("samples", opt.samples);
  r.set_stat("feasible_samples", feasible);
  if (best.empty()) {
    // No sample fits: fall back to a feasible selection from the exact feasibility search.
    auto f = find_feasible(p);
    if (f) {
      best = *f;
      r.message = "no random sample fits the budgets; returned a selection from the feasibility search";
    }
  }
  r.status = best.empty() ? Status::Infeasible : Status::Feasible;
  r.selection = best;
  fill_result(p, r);
  r.solve_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace iqnas::solver
