// binas-bcfw (the reference code's block-coordinate Frank-Wolfe) on small problems against brute
// force: its reports (feasible or budget_exceeded), determinism with a seed, the two-block split.
#include <gtest/gtest.h>

#include <cmath>

#include "random_problems.h"
#include "solver/heuristics.h"
#include "solver/solve.h"

using namespace iqnas::solver;
using namespace iqnas::solver::testing;

namespace {

// Groups 0..A-1 form block alpha, the rest block beta; bilinear terms only between the blocks.
Problem bipartite_problem(iqnas::util::Rng& rng) {
  RandomSpec spec;
  spec.min_groups = 3;
  spec.max_groups = 6;
  spec.min_options = 2;
  spec.max_options = 4;
  spec.max_constraints = 2;
  spec.bilinear_density = 0.4;
  spec.within_density = 0.0;
  Problem p = random_problem(rng, spec);
  const int A = static_cast<int>(p.groups.size()) / 2;
  std::vector<int> group_of;
  for (int g = 0; g < static_cast<int>(p.groups.size()); ++g)
    for (size_t o = 0; o < p.groups[g].options.size(); ++o) group_of.push_back(g);
  auto keep_between = [&](Expression& e) {
    std::vector<BilinearTerm> kept;
    for (const auto& t : e.bilinear)
      if ((group_of[t.var_i] < A) != (group_of[t.var_j] < A)) kept.push_back(t);
    e.bilinear = kept;
  };
  keep_between(p.objective);
  for (auto& c : p.constraints) keep_between(c.expr);
  return p;
}

}  // namespace

TEST(BinasBcfw, ReportsFeasibilityHonestlyAgainstBruteForce) {
  iqnas::util::Rng rng(31);
  int feasible = 0, broken = 0;
  for (int i = 0; i < 80; ++i) {
    Problem p = bipartite_problem(rng);
    const Brute b = brute_force(p);
    BcfwOptions o;
    o.steps = 200;
    o.seed = i;
    const Result r = solve_binas_bcfw(p, o);
    ASSERT_EQ(r.selection.size(), p.groups.size());
    EXPECT_NEAR(r.objective, p.objective_value(r.selection), 1e-9);
    const bool fits = p.feasible(r.selection);
    EXPECT_EQ(r.status, fits ? Status::Feasible : Status::BudgetExceeded) << i;
    EXPECT_EQ(r.stat("budget_broken"), fits ? 0 : 1) << i;
    EXPECT_EQ(r.message.empty(), fits) << i;
    if (fits) {
      ++feasible;
      ASSERT_TRUE(b.feasible);
      EXPECT_LE(r.objective, b.best + 1e-9);  // never above the optimum
    } else {
      ++broken;
      EXPECT_GT(r.stat("max_budget_excess"), 0);
    }
    EXPECT_LE(r.stat("block0_steps") + r.stat("block1_steps"), 200);
  }
  EXPECT_GT(feasible, 20);
  EXPECT_GT(broken, 0);  // the reference rounding does break budgets: the report is exercised
}

// One group, budget 1.5: the LP puts 3/4 on the expensive option (cost 2). After 3000 steps
// (about 1500 on this block) the BCFW point leans to it, sparsify keeps the LP vertex, argmax
// takes the expensive option and the budget breaks; the result says so.
TEST(BinasBcfw, ArgmaxThatBreaksTheBudgetIsReported) {
  Problem p;
  p.groups = {{"g", {"cheap", "dear"}}};
  p.objective.linear = {{0, 0.0}, {1, 10.0}};
  Constraint c{"lat", {}, 1.5};
  c.expr.linear = {{0, 0.0}, {1, 2.0}};
  p.constraints = {c};
  SolveOptions o;
  o.method = "binas-bcfw";
  o.bcfw_steps = 3000;
  const Result r = solve(p, o);
  EXPECT_EQ(r.status, Status::BudgetExceeded);
  EXPECT_EQ(r.selection, std::vector<int>{1});
  EXPECT_EQ(r.stat("budget_broken"), 1);
  EXPECT_NEAR(r.stat("max_budget_excess"), 0.5 / 1.5, 1e-12);
  EXPECT_NE(r.message.find("lat"), std::string::npos) << r.message;
  EXPECT_EQ(r.stat("start_value"), 0);  // started at the cheapest option
  // the relaxation moved towards the LP vertex (3/4 on "dear") with fixed steps 0.002
  EXPECT_GT(r.stat("relaxation_value"), 0);
  EXPECT_LT(r.stat("relaxation_value"), 7.5);
  // with the default 1000 steps the point has not crossed 1/2 yet: sparsify and argmax keep "cheap"
  o.bcfw_steps = 1000;
  const Result q = solve(p, o);
  EXPECT_EQ(q.status, Status::Feasible);
  EXPECT_EQ(q.selection, std::vector<int>{0});
}

TEST(BinasBcfw, SameSeedSameResultAndBlocksChosenAtRandom) {
  iqnas::util::Rng rng(32);
  int differing = 0;
  for (int i = 0; i < 10; ++i) {
    Problem p = bipartite_problem(rng);
    BcfwOptions o;
    o.steps = 100;
    o.seed = 7;
    const Result a = solve_binas_bcfw(p, o), b = solve_binas_bcfw(p, o);
    EXPECT_EQ(a.selection, b.selection);
    EXPECT_EQ(a.stats, b.stats);
    o.seed = 8;
    const Result c = solve_binas_bcfw(p, o);
    differing += a.stat("block0_steps") != c.stat("block0_steps");
    // the first two steps are one per block, the others split about evenly
    EXPECT_LE(a.stat("block0_steps") + a.stat("block1_steps"), 100);
  }
  EXPECT_GT(differing, 3);  // 5 of the 10 with this seed
}

TEST(BinasBcfw, ProblemWithoutTwoBlocksIsRefused) {
  Problem p;
  p.groups = {{"a", {"0", "1"}}, {"b", {"0", "1"}}, {"c", {"0", "1"}}};
  p.objective.bilinear = {{0, 2, 1.0}, {2, 4, 1.0}, {4, 0, 1.0}};  // a-b, b-c, c-a: a triangle
  try {
    solve_binas_bcfw(p);
    FAIL() << "a triangle was split into two blocks";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("two blocks"), std::string::npos) << e.what();
  }
}
