// The bound of exact's dense search (solver/detail/mplp_bound.h) against enumeration: valid after
// every sweep, for any multipliers and domains, never rising, and restored with a node's state.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "random_problems.h"
#include "solver/detail/dense.h"
#include "solver/detail/mplp_bound.h"

using namespace iqnas::solver;
using namespace iqnas::solver::testing;
using iqnas::solver::detail::MplpBound;

namespace {

// max over the selections in the domains of objective - sum_k lambda_k (budget_k - T_k).
double best_lagrangian(const DenseProblem& d, const MplpBound& mp, const std::vector<double>& lam,
                       const std::vector<double>& T) {
  std::vector<int> s(d.G, 0);
  std::vector<double> rows(d.R);
  double best = -std::numeric_limits<double>::infinity();
  for (;;) {
    bool in = true;
    for (int g = 0; g < d.G && in; ++g) in = mp.allowed(g, s[g]);
    if (in) {
      d.eval(s.data(), rows.data());
      double v = rows[0];
      for (int k = 0; k < d.K; ++k) v -= lam[k] * (rows[k + 1] - T[k]);
      best = std::max(best, v);
    }
    int g = 0;
    while (g < d.G && ++s[g] == d.n[g]) s[g++] = 0;
    if (g == d.G) return best;
  }
}

RandomSpec dense_spec(int i) {
  RandomSpec spec;
  spec.min_groups = 5;
  spec.max_groups = 7;
  spec.min_options = 2;
  spec.max_options = 4;
  spec.bilinear_density = 0.4 + 0.1 * (i % 4);
  spec.integer_coefs = i % 5 == 0;
  return spec;
}

}  // namespace

// Random dense problems (every pair of groups interacting, 0-3 budgets, random multipliers, some
// options dropped): the bound stays above the best Lagrangian value after every sweep, never
// rises, and is tight on some problems and loose on others (the local polytope).
TEST(MplpBound, ValidAfterEverySweepAndNeverRising) {
  iqnas::util::Rng rng(31);
  int loose = 0, tight = 0;
  for (int i = 0; i < 120; ++i) {
    const Problem p = random_problem(rng, dense_spec(i));
    const DenseProblem d(p);
    MplpBound mp(d);
    std::vector<double> lam(d.K), T(d.rhs);
    for (auto& l : lam) l = rng.uniform();
    if (i % 3 == 1)
      for (int g = 0; g < d.G; ++g)
        if (d.n[g] > 2 && rng.uniform() < 0.3) mp.disallow(g, 0);
    mp.set_lambda(lam, T);
    const double best = best_lagrangian(d, mp, lam, T);
    const double tol = 1e-9 * std::max(1.0, std::fabs(best));
    double b = std::numeric_limits<double>::infinity();
    for (int s = 0; s < 300; ++s) {
      mp.sweep();
      ASSERT_GE(mp.bound(), best - tol) << "problem " << i << ", sweep " << s;
      ASSERT_LE(mp.bound(), b + tol) << "problem " << i << ", sweep " << s;
      b = mp.bound();
    }
    loose += b > best + 1e-6;
    tight += b <= best + 1e-6;
  }
  EXPECT_GT(loose, 20);  // the check above is not trivially met
  EXPECT_GT(tight, 5);
}

// A search node's state restored gives back its bound, and the bound on a smaller domain (one
// option kept in a group) holds against enumeration once swept.
TEST(MplpBound, RestoredStateAndSmallerDomainsStayValid) {
  iqnas::util::Rng rng(32);
  for (int i = 0; i < 60; ++i) {
    const Problem p = random_problem(rng, dense_spec(i));
    const DenseProblem d(p);
    MplpBound mp(d);
    const std::vector<double> lam(d.K, 0.5), T(d.rhs);
    mp.set_lambda(lam, T);
    for (int s = 0; s < 50; ++s) mp.sweep();
    MplpBound::State saved;
    mp.save(saved);
    const double root = mp.bound();
    int g = 0;
    while (g < d.G && d.n[g] < 2) ++g;
    if (g == d.G) continue;
    for (int o = 0; o < d.n[g]; ++o) {
      mp.restore(saved);
      EXPECT_DOUBLE_EQ(mp.bound(), root) << "problem " << i;
      for (int q = 0; q < d.n[g]; ++q)
        if (q != o) mp.disallow(g, q);
      for (int s = 0; s < 20; ++s) mp.sweep();
      const double best = best_lagrangian(d, mp, lam, T);
      EXPECT_GE(mp.bound(), best - 1e-9 * std::max(1.0, std::fabs(best))) << "problem " << i << ", option " << o;
      EXPECT_LE(mp.bound(), root + 1e-9 * std::max(1.0, std::fabs(root))) << "problem " << i << ", option " << o;
    }
  }
}

// Soft-max sweeps (annealed temperature) followed by one plain sweep: the bound holds against
// enumeration, and on some problems it falls below the fixed point where the plain sweeps stall.
TEST(MplpBound, SmoothedSweepsStayValidAndLeaveStalledFixedPoints) {
  iqnas::util::Rng rng(33);
  int lower = 0, higher = 0;
  for (int i = 0; i < 120; ++i) {
    const Problem p = random_problem(rng, dense_spec(i));
    const DenseProblem d(p);
    MplpBound mp(d);
    std::vector<double> lam(d.K), T(d.rhs);
    for (auto& l : lam) l = rng.uniform();
    mp.set_lambda(lam, T);
    for (int s = 0; s < 300; ++s) mp.sweep();
    MplpBound::State start;
    mp.save(start);
    for (int s = 0; s < 300; ++s) mp.sweep();
    const double stalled = mp.bound();  // as many plain sweeps again as the soft-max steps below
    mp.restore(start);
    const double best = best_lagrangian(d, mp, lam, T);
    const double tol = 1e-9 * std::max(1.0, std::fabs(best));
    for (double tau = 1.0; tau > 1e-3; tau /= 3) {
      for (int s = 0; s < 30; ++s) mp.smooth_sweep(tau);
      mp.sweep();
      ASSERT_GE(mp.bound(), best - tol) << "problem " << i << ", tau " << tau;
    }
    lower += mp.bound() < stalled - 1e-6;
    higher += mp.bound() > stalled + 1e-6;
  }
  EXPECT_GT(lower, 10);
  EXPECT_LT(higher, lower);
}
