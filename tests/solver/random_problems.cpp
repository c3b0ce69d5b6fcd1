#include "random_problems.h"

#include <algorithm>
#include <limits>

#include "solver/detail/dense.h"

namespace iqnas::solver::testing {

Problem random_problem(util::Rng& rng, const RandomSpec& spec) {
  auto uni = [&](int lo, int hi) { return static_cast<int>(rng.uniform_int(lo, hi)); };
  auto real = [&](double lo, double hi) {
    if (spec.integer_coefs) return static_cast<double>(uni(static_cast<int>(lo), static_cast<int>(hi)));
    return rng.uniform(lo, hi);
  };
  Problem p;
  const int G = uni(spec.min_groups, spec.max_groups);
  std::vector<int> first;
  int nv = 0;
  for (int g = 0; g < G; ++g) {
    Group grp;
    grp.name = "g" + std::to_string(g);
    const int n = uni(spec.min_options, spec.max_options);
    for (int o = 0; o < n; ++o) grp.options.push_back("o" + std::to_string(o));
    first.push_back(nv);
    nv += n;
    p.groups.push_back(grp);
  }
  auto make_row = [&](bool budget) {
    Expression e;
    e.constant = real(-3, 3);
    for (int v = 0; v < nv; ++v)
      if (uni(0, 3) > 0) e.linear.push_back({v, budget ? real(-2, 10) : real(-10, 10)});
    // a duplicate term now and then (they add up)
    if (nv > 0 && uni(0, 4) == 0) e.linear.push_back({uni(0, nv - 1), real(-2, 5)});
    for (int a = 0; a < G; ++a)
      for (int b = 0; b < G; ++b) {
        const double density = a == b ? spec.within_density : spec.bilinear_density;
        for (int i = 0; i < static_cast<int>(p.groups[a].options.size()); ++i)
          for (int j = 0; j < static_cast<int>(p.groups[b].options.size()); ++j)
            if (rng.bernoulli(density / 2))
              e.bilinear.push_back({first[a] + i, first[b] + j, budget ? real(-2, 8) : real(-8, 8)});
      }
    return e;
  };
  p.objective = make_row(false);
  const int K = uni(0, spec.max_constraints);
  for (int k = 0; k < K; ++k) {
    Constraint c;
    c.name = "c" + std::to_string(k);
    c.expr = make_row(true);
    p.constraints.push_back(c);
  }
  // Budgets between the smallest and the largest achievable value (sometimes below: infeasible).
  Brute b = brute_force(p);
  for (int k = 0; k < K; ++k) {
    double lo = b.min_constraint[k];
    double hi = lo + 20;
    double t = uni(0, 9) == 0 ? lo - 1 : real(lo, hi);
    if (uni(0, 5) == 0) t = lo;  // exactly tight
    p.constraints[k].max = t;
  }
  return p;
}

Brute brute_force(const Problem& p, const std::vector<double>* maxes) {
  DenseProblem d(p);
  Brute out;
  out.min_constraint.assign(d.K, std::numeric_limits<double>::infinity());
  std::vector<int> sel(d.G, 0);
  std::vector<double> rows(d.R);
  const double* mx = maxes ? maxes->data() : d.rhs.data();
  for (;;) {
    d.eval(sel.data(), rows.data());
    for (int k = 0; k < d.K; ++k) out.min_constraint[k] = std::min(out.min_constraint[k], rows[k + 1]);
    if (d.feasible(rows.data(), mx) && (!out.feasible || rows[0] > out.best)) {
      out.feasible = true;
      out.best = rows[0];
      out.selection = sel;
    }
    int g = 0;
    while (g < d.G && ++sel[g] == d.n[g]) sel[g++] = 0;
    if (g == d.G) break;
  }
  return out;
}

}  // namespace iqnas::solver::testing
