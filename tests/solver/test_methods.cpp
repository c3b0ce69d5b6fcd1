// The registry of solver methods (solver/methods.h): dispatch by name, option ranges, echo.
#include <gtest/gtest.h>

#include <set>

#include "solver/methods.h"
#include "solver/problem_io.h"

using namespace iqnas::solver;

namespace {

Problem small_problem() {
  Problem p;
  p.groups = {{"a", {"x", "y", "z"}}, {"b", {"u", "v"}}};
  p.objective.linear = {{0, 1}, {1, 2}, {2, 3}, {4, 1}};
  p.objective.bilinear = {{2, 4, -1.5}};
  Constraint c{"lat", {}, 2.5};
  c.expr.linear = {{1, 1}, {2, 2}, {4, 1}};
  p.constraints = {c};
  return p;
}

}  // namespace

TEST(Methods, EveryMethodRunsByNameAndEchoesItsOptions) {
  const Problem p = small_problem();
  std::set<std::string> names;
  for (const auto& m : methods()) {
    EXPECT_TRUE(names.insert(m.name).second) << "duplicate " << m.name;
    EXPECT_FALSE(m.summary.empty()) << m.name;
    SolveOptions o;
    o.method = m.name;
    const Result r = solve(p, o);
    EXPECT_EQ(r.method, m.name);
    EXPECT_NE(r.status, Status::Infeasible) << m.name;
    ASSERT_EQ(r.selection.size(), p.groups.size()) << m.name;
    EXPECT_EQ(p.feasible(r.selection), r.status != Status::BudgetExceeded) << m.name;
    ASSERT_EQ(r.options.size(), m.options.size()) << m.name;
    for (size_t i = 0; i < m.options.size(); ++i) {
      EXPECT_EQ(r.options[i].first, m.options[i].flag);
      EXPECT_EQ(r.options[i].second, m.options[i].get(o));
    }
    const auto j = result_to_json(r);
    ASSERT_TRUE(j.contains("options")) << m.name;
    EXPECT_EQ(j["options"].size(), m.options.size()) << m.name;
  }
  for (const char* n : {"exact", "relax", "evo", "random", "binas-bcfw"}) EXPECT_TRUE(names.count(n)) << n;
  EXPECT_EQ(method_names("|").find("exact"), 0u);
}

TEST(Methods, OptionValuesAreRangeChecked) {
  const Problem p = small_problem();
  SolveOptions o;
  o.method = "random";
  o.samples = 0;
  try {
    solve(p, o);
    FAIL() << "samples 0 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("samples"), std::string::npos) << e.what();
  }
  o = {};
  o.time_limit_s = -1;
  EXPECT_THROW(solve(p, o), std::invalid_argument);
  o = {};
  o.method = "evo";
  o.population = 1;
  EXPECT_THROW(solve(p, o), std::invalid_argument);
  o = {};
  o.method = "nope";
  try {
    solve(p, o);
    FAIL() << "unknown method accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("exact"), std::string::npos) << e.what();  // lists the names
  }
  // an option of another method is not checked against this one (seed is not exact's)
  o = {};
  o.samples = 0;
  EXPECT_NO_THROW(solve(p, o));
}

TEST(Methods, UsageNamesEveryMethodAndOption) {
  const std::string u = methods_usage();
  for (const auto& m : methods()) {
    EXPECT_NE(u.find(m.name + ": "), std::string::npos) << m.name;
    for (const auto& o : m.options) EXPECT_NE(u.find("--" + o.flag), std::string::npos) << o.flag;
  }
}
