// The search closed over measurements (search_within_measured): with a table that underestimates
// whole networks, it re-solves with a smaller solver budget until the measured network fits.
#include <gtest/gtest.h>

#include "predictor/contribution_predictor.h"
#include "predictor/search.h"
#include "util/rng.h"

namespace iqnas::predictor {
namespace {

// A table by hand: every block costs more with more expansion, a larger kernel and SE.
LatencyTable table_of(const SearchSpace& s) {
  LatencyTable t;
  t.space = s.name;
  t.fixed = {"fixed", 0.1, 0.1, 0};
  for (const BlockKey& k : distinct_block_keys(s)) {
    const BlockConfig c = s.config(k.config);
    const double ms = 0.001 * c.expansion * c.kernel * (c.se ? 1.5 : 1.0) * k.out / 8.0;
    t.blocks.push_back({k.str(), ms, ms, 0});
  }
  return t;
}

// Accuracy contributions that grow with the block's cost, so the optimum sits on the budget.
ContributionPredictor predictor_of(const SearchSpace& s, const LatencyTable& t) {
  ContributionPredictor p(s, ContributionPredictor::Variant::Paper);
  p.base.mean = 60;
  util::Rng rng(5);
  for (size_t st = 0; st < p.block.size(); ++st)
    for (size_t b = 0; b < p.block[st].size(); ++b)
      for (size_t c = 0; c < p.block[st][b].size(); ++c)
        p.block[st][b][c].mean = 100 * block_latency(t, s, int(st), int(b), int(c)) * (0.8 + 0.4 * rng.uniform());
  return p;
}

struct Fixture {
  SearchSpace s = find_space("tiny");
  LatencyTable t = table_of(s);
  ContributionPredictor p = predictor_of(s, t);
  solver::SolveOptions opt;
  double mid_budget() const {
    const double lo = predicted_latency(t, s, smallest_arch(s)), hi = predicted_latency(t, s, heaviest_arch(s));
    return lo + 0.5 * (hi - lo);
  }
};

TEST(SearchWithinMeasured, ShrinksTheSolverBudgetUntilTheMeasuredNetworkFits) {
  Fixture f;
  const double budget = f.mid_budget();
  int calls = 0;
  // Whole networks measure 8% above the table's sum.
  const MeasureLatency measure = [&](const Architecture& a) {
    ++calls;
    return 1.08 * predicted_latency(f.t, f.s, a);
  };
  const SearchOutcome plain = run_search(f.s, f.p, {{"latency_ms", budget}}, &f.t, f.opt);
  ASSERT_TRUE(plain.found);
  ASSERT_GT(measure(plain.arch), budget) << "the fixture must put the table's optimum over the measured budget";
  calls = 0;
  const SearchOutcome o = search_within_measured(f.s, f.p, {{"latency_ms", budget}}, f.t, f.opt, measure, 5);
  ASSERT_TRUE(o.found);
  EXPECT_TRUE(o.measured_fits);
  EXPECT_LE(1.08 * o.resources.at("latency_ms"), budget);
  ASSERT_GE(o.measured_rounds.size(), 2u);
  EXPECT_EQ(static_cast<int>(o.measured_rounds.size()), calls);
  EXPECT_DOUBLE_EQ(o.measured_rounds.front().solver_budget_ms, budget);
  for (size_t i = 1; i < o.measured_rounds.size(); ++i) {
    const MeasuredRound &prev = o.measured_rounds[i - 1], &r = o.measured_rounds[i];
    EXPECT_DOUBLE_EQ(r.solver_budget_ms, budget * prev.predicted_ms / prev.measured_ms);
    EXPECT_LT(r.solver_budget_ms, prev.predicted_ms);
    EXPECT_FALSE(prev.chosen);
  }
  EXPECT_TRUE(o.measured_rounds.back().chosen);
  EXPECT_DOUBLE_EQ(o.measured_rounds.back().measured_ms, measure(o.arch));
  EXPECT_LE(o.predicted_accuracy, plain.predicted_accuracy);  // the price of fitting
}

TEST(SearchWithinMeasured, AnExactTableNeedsOneRound) {
  Fixture f;
  const double budget = f.mid_budget();
  const MeasureLatency exact = [&](const Architecture& a) { return predicted_latency(f.t, f.s, a); };
  const SearchOutcome plain = run_search(f.s, f.p, {{"latency_ms", budget}}, &f.t, f.opt);
  const SearchOutcome o = search_within_measured(f.s, f.p, {{"latency_ms", budget}}, f.t, f.opt, exact, 5);
  ASSERT_EQ(o.measured_rounds.size(), 1u);
  EXPECT_TRUE(o.measured_fits);
  EXPECT_EQ(arch_to_json(f.s, o.arch), arch_to_json(f.s, plain.arch));
}

TEST(SearchWithinMeasured, NoFitKeepsTheLowestMeasuredAndSaysSo) {
  Fixture f;
  const double budget = f.mid_budget();
  // Far over the budget, and lower for networks found later (smaller): the last one is the lowest.
  const MeasureLatency slow = [&](const Architecture& a) { return 3 * budget + predicted_latency(f.t, f.s, a); };
  const SearchOutcome o = search_within_measured(f.s, f.p, {{"latency_ms", budget}}, f.t, f.opt, slow, 2);
  ASSERT_TRUE(o.found);
  EXPECT_FALSE(o.measured_fits);
  ASSERT_FALSE(o.measured_rounds.empty());
  EXPECT_LE(o.measured_rounds.size(), 3u);
  int chosen = 0;
  double lowest = 1e300;
  for (const auto& r : o.measured_rounds) chosen += r.chosen, lowest = std::min(lowest, r.measured_ms);
  EXPECT_EQ(chosen, 1);
  EXPECT_DOUBLE_EQ(slow(o.arch), lowest);
}

TEST(SearchWithinMeasured, NeedsALatencyBudget) {
  Fixture f;
  const MeasureLatency m = [](const Architecture&) { return 0.0; };
  EXPECT_THROW(search_within_measured(f.s, f.p, {{"params_m", 1.0}}, f.t, f.opt, m, 1), std::invalid_argument);
  EXPECT_THROW(search_within_measured(f.s, f.p, {{"latency_ms", 1.0}}, f.t, f.opt, m, -1), std::invalid_argument);
}

}  // namespace
}  // namespace iqnas::predictor
