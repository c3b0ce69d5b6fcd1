#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "random_problems.h"
#include "solver/sweep.h"

using namespace iqnas::solver;
using namespace iqnas::solver::testing;

TEST(Sweep, MatchesBruteForceAtEveryBudget) {
  iqnas::util::Rng rng(31);
  RandomSpec spec;
  spec.max_constraints = 2;
  int checked = 0;
  for (int i = 0; i < 60; ++i) {
    Problem p = random_problem(rng, spec);
    if (p.constraints.empty()) continue;
    Brute all = brute_force(p);
    const double lo = all.min_constraint[0] - 1;
    std::vector<double> budgets;
    for (int t = 0; t < 12; ++t) budgets.push_back(lo + t * 2.0);
    iqnas::util::shuffle(budgets, rng);
    for (const char* method : {"exact", "relax"}) {
      SolveOptions opt;
      opt.method = method;
      auto pts = sweep(p, p.constraints[0].name, budgets, opt);
      ASSERT_EQ(pts.size(), budgets.size());
      for (size_t t = 0; t < pts.size(); ++t) {
        EXPECT_EQ(pts[t].budget, budgets[t]);
        std::vector<double> maxes;
        for (const auto& c : p.constraints) maxes.push_back(c.max);
        maxes[0] = budgets[t];
        Brute b = brute_force(p, &maxes);
        const Result& r = pts[t].result;
        if (!b.feasible) {
          EXPECT_EQ(r.status, Status::Infeasible);
          EXPECT_FALSE(r.message.empty());
          continue;
        }
        ASSERT_FALSE(r.selection.empty());
        EXPECT_LE(r.constraint_values[0], budgets[t] + 1e-9 * std::max(1.0, std::fabs(budgets[t])));
        if (std::string(method) == "exact") {
          EXPECT_EQ(r.status, Status::Optimal);
          EXPECT_NEAR(r.objective, b.best, 1e-9 * std::max(1.0, std::fabs(b.best)));
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 200);
}

TEST(Sweep, BudgetSpecsAndErrors) {
  EXPECT_EQ(parse_budgets("1,2.5,4"), (std::vector<double>{1, 2.5, 4}));
  EXPECT_EQ(parse_budgets("10:20:3"), (std::vector<double>{10, 15, 20}));
  EXPECT_EQ(parse_budgets("7:9:1"), (std::vector<double>{7}));
  EXPECT_THROW(parse_budgets(""), std::invalid_argument);
  EXPECT_THROW(parse_budgets("1,x"), std::invalid_argument);
  EXPECT_THROW(parse_budgets("1:2"), std::invalid_argument);
  EXPECT_THROW(parse_budgets("1:2:0"), std::invalid_argument);
  EXPECT_THROW(parse_budgets("1:2:2.5"), std::invalid_argument);
  Problem p;
  p.groups = {{"a", {"x", "y"}}};
  p.objective.linear = {{1, 1}};
  Constraint c{"lat", {}, 1};
  c.expr.linear = {{1, 2}};
  p.constraints = {c};
  EXPECT_THROW(sweep(p, "latency", {1.0}), std::invalid_argument);
}

TEST(Sweep, CsvAndSvg) {
  Problem p;
  p.groups = {{"a", {"x", "y", "z"}}};
  p.objective.linear = {{1, 1}, {2, 2}};
  Constraint c{"lat", {}, 1};
  c.expr.linear = {{0, 1}, {1, 2}, {2, 3}};
  p.constraints = {c};
  auto pts = sweep(p, "lat", {0.5, 1, 2, 3});
  EXPECT_EQ(pts[0].result.status, Status::Infeasible);
  EXPECT_EQ(pts[3].result.objective, 2);
  EXPECT_EQ(pts[2].result.objective, 1);
  const std::string csv = ::testing::TempDir() + "/iqnas_sweep.csv";
  write_sweep_csv(p, "lat", pts, csv);
  std::ifstream f(csv);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str().rfind("budget,status,objective,bound,lat,solve_ms,selection\n", 0), 0u) << ss.str();
  EXPECT_NE(ss.str().find("0.5,infeasible,"), std::string::npos);
  const std::string svg = sweep_svg("lat", pts);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  std::remove(csv.c_str());
}
