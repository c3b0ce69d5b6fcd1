#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "random_problems.h"
#include "solver/heuristics.h"
#include "solver/detail/lp.h"
#include "solver/solve.h"

using namespace iqnas::solver;
using namespace iqnas::solver::testing;

namespace {

void check_heuristic(const Problem& p, const Result& r, const Brute& b, const std::string& what) {
  if (!b.feasible) {
    EXPECT_EQ(r.status, Status::Infeasible) << what;
    return;
  }
  ASSERT_EQ(r.status, Status::Feasible) << what << " " << r.message;
  ASSERT_EQ(r.selection.size(), p.groups.size()) << what;
  EXPECT_TRUE(p.feasible(r.selection)) << what;
  EXPECT_LE(r.objective, b.best + 1e-9 * std::max(1.0, std::fabs(b.best))) << what;
  EXPECT_NEAR(r.objective, p.objective_value(r.selection), 1e-12 * std::max(1.0, std::fabs(r.objective))) << what;
}

// G groups of O options with uniform random coefficients in the objective and in `budgets` linear
// rows, each with the limit G * share (drawn option by option: objective, then each row).
Problem linear_problem(int G, int O, int budgets, double share, unsigned seed) {
  iqnas::util::Rng rng(seed);
  Problem p;
  for (int k = 0; k < budgets; ++k) p.constraints.push_back(Constraint{"c" + std::to_string(k), {}, G * share});
  for (int g = 0; g < G; ++g) {
    Group grp{"g" + std::to_string(g), {}};
    for (int o = 0; o < O; ++o) {
      grp.options.push_back(std::to_string(o));
      p.objective.linear.push_back({g * O + o, rng.uniform()});
      for (auto& c : p.constraints) c.expr.linear.push_back({g * O + o, rng.uniform()});
    }
    p.groups.push_back(grp);
  }
  return p;
}

}  // namespace

TEST(Heuristics, AlwaysFeasibleOrCorrectlyInfeasible) {
  iqnas::util::Rng rng(11);
  RandomSpec spec;
  int relax_optimal = 0, evo_optimal = 0, feasible = 0;
  for (int i = 0; i < 200; ++i) {
    Problem p = random_problem(rng, spec);
    Brute b = brute_force(p);
    const std::string what = "problem " + std::to_string(i);
    Result rr = solve_relax(p);
    check_heuristic(p, rr, b, what + " relax");
    EvoOptions eo;
    eo.population = 20;
    eo.generations = 20;
    eo.seed = i;
    Result re = solve_evo(p, eo);
    check_heuristic(p, re, b, what + " evo");
    RandomOptions ro;
    ro.samples = 50;
    ro.seed = i;
    check_heuristic(p, solve_random(p, ro), b, what + " random");
    if (b.feasible) {
      ++feasible;
      relax_optimal += std::fabs(rr.objective - b.best) <= 1e-9 * std::max(1.0, std::fabs(b.best));
      evo_optimal += std::fabs(re.objective - b.best) <= 1e-9 * std::max(1.0, std::fabs(b.best));
    }
  }
  // Small problems: the heuristics should find the optimum most of the time.
  EXPECT_GT(relax_optimal, feasible / 2);
  EXPECT_GT(evo_optimal, feasible * 3 / 4);
}

TEST(Relax, ChecksOfTheMethod) {
  iqnas::util::Rng rng(12);
  RandomSpec spec;
  spec.min_groups = 3;
  spec.max_groups = 6;
  spec.min_options = 2;
  spec.max_constraints = 1;
  int single_budget = 0;
  for (int i = 0; i < 150; ++i) {
    Problem p = random_problem(rng, spec);
    Brute b = brute_force(p);
    Result r = solve_relax(p);
    if (!b.feasible) continue;
    const std::string what = "problem " + std::to_string(i);
    ASSERT_EQ(r.status, Status::Feasible) << what;
    // every iterate feasible, at most one fractional group per budget in each block
    EXPECT_LE(r.stat("max_iterate_violation"), 1e-7) << what;
    EXPECT_EQ(r.stat("fractional_check_ok"), 1) << what;
    EXPECT_EQ(r.stat("lp_failures"), 0) << what;
    if (p.constraints.size() == 1) {
      ++single_budget;
      EXPECT_EQ(r.stat("rounding_guarantee_held"), 1) << what;
    }
    EXPECT_TRUE(std::isfinite(r.stat("relaxation_value"))) << what;
  }
  EXPECT_GT(single_budget, 50);
}

TEST(Lp, SmallProgramsAndVertices) {
  // max x + 2y  s.t. x + y = 1, y <= 0.25  -> y = 0.25, x = 0.75
  LinearProgram lp;
  lp.n = 2;
  lp.c = {1, 2};
  lp.A_eq = {{1, 1}};
  lp.b_eq = {1};
  lp.A_ub = {{0, 1}};
  lp.b_ub = {0.25};
  LpResult r = solve_lp(lp);
  ASSERT_EQ(r.status, LpStatus::Optimal);
  EXPECT_NEAR(r.value, 1.25, 1e-12);
  EXPECT_NEAR(r.x[1], 0.25, 1e-12);
  lp.b_ub = {-1};  // y <= -1 with y >= 0: infeasible
  EXPECT_EQ(solve_lp(lp).status, LpStatus::Infeasible);
  LinearProgram un;
  un.n = 2;
  un.c = {1, 0};
  un.A_ub = {{-1, 1}};
  un.b_ub = {1};
  EXPECT_EQ(solve_lp(un).status, LpStatus::Unbounded);
}

TEST(Solve, InfeasibleReportNamesTheBudget) {
  Problem p;
  p.groups = {{"a", {"x", "y"}}, {"b", {"u", "v"}}};
  p.objective.linear = {{0, 1}, {2, 1}};
  Constraint lat{"latency_ms", {}, 1.0};
  lat.expr.constant = 2.0;
  lat.expr.linear = {{0, 1}, {1, 0.5}};
  Constraint mem{"memory", {}, 10.0};
  mem.expr.linear = {{0, 1}};
  p.constraints = {lat, mem};
  for (const char* m : {"exact", "relax", "evo", "random"}) {
    SolveOptions o;
    o.method = m;
    Result r = solve(p, o);
    EXPECT_EQ(r.status, Status::Infeasible) << m;
    ASSERT_EQ(r.constraint_min.size(), 2u) << m;
    EXPECT_NEAR(r.constraint_min[0], 2.5, 1e-12) << m;
    EXPECT_NEAR(r.constraint_min[1], 0.0, 1e-12) << m;
    EXPECT_NE(r.message.find("latency_ms"), std::string::npos) << r.message;
    EXPECT_EQ(r.message.find("memory"), std::string::npos) << r.message;
  }
  // each budget alone can be met, not both
  Problem q;
  q.groups = {{"a", {"x", "y"}}};
  q.objective.linear = {{0, 1}};
  Constraint c1{"c1", {}, 0.5};
  c1.expr.linear = {{0, 1}};
  Constraint c2{"c2", {}, 0.5};
  c2.expr.linear = {{1, 1}};
  q.constraints = {c1, c2};
  Result r = solve(q, SolveOptions{});
  EXPECT_EQ(r.status, Status::Infeasible);
  EXPECT_NE(r.message.find("together"), std::string::npos) << r.message;
  SolveOptions bad;
  bad.method = "gurobi";
  EXPECT_THROW(solve(q, bad), std::invalid_argument);
}

// relax on a problem whose dense block LP cannot be held: a clear refusal, not an exhausted
// machine (10,000 groups x 50 options reached 23 GB before).
TEST(Relax, RefusesBlockLpsTooLargeToHold) {
  const Problem p = linear_problem(2000, 50, 1, 0.3, 41);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    solve_relax(p);
    FAIL() << "a 2,000 x 50 block LP was attempted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("GB as a dense tableau"), std::string::npos) << e.what();
  }
  // Refused before any work (the starting point's exact search took 44 s at 10,000 x 4).
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 2.0);
}

// relax's time limit ends the relaxation phases early; the result is still feasible.
TEST(Relax, TimeLimitEndsTheRelaxationEarly) {
  // 40 groups x 8 options, linear rows (random_problem's brute force cannot size this)
  const Problem p = linear_problem(40, 8, 1, 0.4, 42);
  SolveOptions o;
  o.method = "relax";
  o.time_limit_s = 1e-9;
  const Result r = solve(p, o);
  EXPECT_EQ(r.stat("timed_out"), 1);
  EXPECT_EQ(r.stat("fw_steps"), 0);
  if (!r.selection.empty()) {
    EXPECT_TRUE(p.feasible(r.selection));
  }
  o.time_limit_s = 0;
  const Result full = solve(p, o);
  EXPECT_EQ(full.stat("timed_out"), 0);
  EXPECT_GT(full.stat("fw_steps"), 0);
}

// Past the limit the block LPs, the rounding, repair and polish stop too: a problem whose single
// block LP takes seconds ends near the limit, with a feasible selection.
TEST(Relax, TimeLimitAlsoEndsTheRoundingAndPolish) {
  const Problem p = linear_problem(400, 40, 2, 0.3, 7);
  SolveOptions o;
  o.method = "relax";
  o.time_limit_s = 1.0;
  const auto t0 = std::chrono::steady_clock::now();
  const Result r = solve(p, o);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Before the limit reached the block LPs, rounding and polish, this took 14 s.
  EXPECT_LT(took, 1.0 + 1.5);  // building one LP's tableau or one polish step past the limit, no more
  if (r.selection.empty()) {  // a slow (sanitizer) build: the limit came before the starting point
    EXPECT_EQ(r.status, Status::TimeLimit);
  } else {
    EXPECT_EQ(r.stat("timed_out"), 1);
    EXPECT_TRUE(p.feasible(r.selection));
  }
}
