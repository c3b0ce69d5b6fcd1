#include <gtest/gtest.h>

#include "predictor/encoding.h"
#include "supernet/sampler.h"

using namespace iqnas;
using namespace iqnas::predictor;

namespace {
solver::Problem problem_with(const SearchSpace& s, const solver::Expression& row) {
  solver::Problem p;
  p.groups = space_groups(s);
  p.objective = row;
  p.validate();
  return p;
}
double cost(int stage, int block, int config) { return 1.0 + stage * 100 + block * 10 + config * 0.5; }
double dcost(int stage, int d) { return -0.25 * (stage + 1) * (d + 1); }
}  // namespace

TEST(Encoding, GroupsFollowTheOneHotOrder) {
  for (const auto& name : {"tiny", "cifar", "paper"}) {
    const SearchSpace s = find_space(name);
    const auto g = space_groups(s);
    solver::Problem p;
    p.groups = g;
    ASSERT_EQ(p.num_vars(), num_vars(s));
    const OneHot oh = encode_onehot(s, heaviest_arch(s));
    EXPECT_EQ(static_cast<size_t>(num_vars(s)), oh.alpha.size() + oh.beta.size()) << name;
    EXPECT_EQ(g.front().name, "s1.b1");
    EXPECT_EQ(g.back().name, "s" + std::to_string(s.stages.size()) + ".depth");
    EXPECT_EQ(alpha_var(s, 1, 0, 0), s.stages[0].max_depth() * s.num_configs());
    EXPECT_EQ(beta_var(s, 0, 0), static_cast<int>(oh.alpha.size()));
  }
}

TEST(Encoding, SelectionRoundTripsAndMatchesOneHot) {
  const SearchSpace s = find_space("tiny");
  Rng rng(3);
  for (int k = 0; k < 200; ++k) {
    const Architecture a = random_arch(s, rng);
    const auto sel = arch_to_selection(s, a);
    EXPECT_EQ(selection_to_arch(s, sel), a);
    const OneHot oh = encode_onehot(s, a);
    std::vector<float> flat(oh.alpha);
    flat.insert(flat.end(), oh.beta.begin(), oh.beta.end());
    solver::Problem p;
    p.groups = space_groups(s);
    for (int g = 0; g < p.num_groups(); ++g) EXPECT_EQ(flat[static_cast<size_t>(p.var(g, sel[static_cast<size_t>(g)]))], 1.f);
  }
  EXPECT_THROW(selection_to_arch(s, {0, 1}), std::invalid_argument);
}

TEST(Encoding, AdditiveRowEqualsTheSumOverActiveBlocks) {
  for (const auto& name : {"tiny", "paper"}) {
    const SearchSpace s = find_space(name);
    const solver::Expression row = additive_row(s, 7.5, cost, dcost);
    const solver::Problem p = problem_with(s, row);
    Rng rng(11);
    for (int k = 0; k < 300; ++k) {
      const Architecture a = random_arch(s, rng);
      const double direct = additive_value(s, a, 7.5, cost, dcost);
      EXPECT_NEAR(p.objective_value(arch_to_selection(s, a)), direct, 1e-9 * std::abs(direct)) << name;
    }
    // Inactive blocks do not count: changing a block beyond the depth leaves the value unchanged.
    Architecture small = smallest_arch(s);
    auto sel = arch_to_selection(s, small);
    const double v0 = p.objective_value(sel);
    sel[static_cast<size_t>(alpha_group(s, 0, s.stages[0].max_depth() - 1))] = s.num_configs() - 1;
    EXPECT_EQ(p.objective_value(sel), v0);
  }
}
