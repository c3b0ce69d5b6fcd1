#include "solver/solve.h"

#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "solver/exact.h"
#include "solver/heuristics.h"
#include "solver/methods.h"

namespace iqnas::solver {

std::optional<std::vector<int>> find_feasible(const Problem& p) {
  Problem q;
  q.groups = p.groups;
  q.constraints = p.constraints;
  Result r = solve_exact(q);
  if (r.selection.empty()) return std::nullopt;
  return r.selection;
}

void explain_infeasible(const Problem& p, Result& r) {
  r.constraint_min.clear();
  std::string alone;
  for (size_t k = 0; k < p.constraints.size(); ++k) {
    const double lo = min_constraint_value(p, static_cast<int>(k));
    r.constraint_min.push_back(lo);
    const double mx = k < r.constraint_max.size() ? r.constraint_max[k] : p.constraints[k].max;
    if (!within_budget(lo, mx)) {
      char buf[256];
      std::snprintf(buf, sizeof buf, "%s'%s' (max %.6g, smallest achievable %.6g)", alone.empty() ? "" : "; ",
                    p.constraints[k].name.c_str(), mx, lo);
      alone += buf;
    }
  }
  if (!alone.empty())
    r.message = "infeasible: budget cannot be met: " + alone;
  else
    r.message = "infeasible: each budget can be met on its own, but not all of them together; relax one of them";
}

Result solve(const Problem& p, const SolveOptions& opt) {
  const Method& m = find_method(opt.method);
  validate_options(opt);
  const auto t0 = std::chrono::steady_clock::now();
  Result r = m.run(p, opt);
  r.method = m.name;
  r.options = method_option_values(opt);
  if (r.status == Status::Infeasible && r.message.empty()) explain_infeasible(p, r);
  r.solve_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace iqnas::solver
