// Resource rows equal the sum over active blocks and a direct count on the extracted network.
#include <gtest/gtest.h>

#include <algorithm>

#include "predictor/encoding.h"
#include "predictor/resources.h"
#include "supernet/sampler.h"

namespace iqnas::predictor {
namespace {

solver::Problem problem_of(const SearchSpace& s) {
  solver::Problem p;
  p.groups = space_groups(s);
  return p;
}

// The presets, and tiny with a wide stem whose fixed-part peak exceeds every block's (so the folding
// of the fixed peak into the always-active positions is exercised).
SearchSpace space_named(const std::string& name) {
  if (name != "tiny-wide-stem") return find_space(name);
  std::string j = space_to_json(find_space("tiny"));
  const std::string from = "\"stem\": {\"out\": 8,";
  const size_t at = j.find(from);
  EXPECT_NE(at, std::string::npos);
  j.replace(at, from.size(), "\"stem\": {\"out\": 64,");
  return parse_space(j, "tiny-wide-stem");
}

class ResourceRows : public ::testing::TestWithParam<std::string> {};

TEST_P(ResourceRows, RowsEqualDirectCounts) {
  const SearchSpace s = space_named(GetParam());
  const solver::Problem p = problem_of(s);
  const solver::Expression params = resource_row(s, "params_m", nullptr), macs = resource_row(s, "macs_m", nullptr);
  const auto memory = resource_constraints(s, "memory_mb", 1.0, nullptr);
  int always = 0;
  for (size_t i = 0; i < s.stages.size(); ++i) always += s.stages[i].max_depth();
  ASSERT_EQ(int(memory.size()), always);  // one row per block position
  Rng rng(11);
  for (int t = 0; t < 6; ++t) {
    const Architecture a = t == 0 ? heaviest_arch(s) : t == 1 ? smallest_arch(s) : random_arch(s, rng);
    const std::vector<int> sel = arch_to_selection(s, a);
    const NetworkCounts n = count_network(s, a);
    EXPECT_NEAR(p.value(params, sel), double(n.params) / 1e6, 1e-9);
    EXPECT_NEAR(p.value(macs, sel), double(n.macs) / 1e6, 1e-9);
    double peak = 0;
    for (const auto& c : memory) peak = std::max(peak, p.value(c.expr, sel));
    EXPECT_NEAR(peak, double(n.peak_activation_bytes) / 1e6, 1e-9);
    if (t == 0) {  // resource_value counts the same way (it builds the network again: once is enough)
      EXPECT_NEAR(resource_value(s, a, "params_m", nullptr), double(n.params) / 1e6, 1e-12);
      EXPECT_NEAR(resource_value(s, a, "memory_mb", nullptr), peak, 1e-12);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Spaces, ResourceRows, ::testing::Values("tiny", "cifar", "paper", "tiny-wide-stem"));

TEST(Resources, PaperHeaviestByHand) {
  const SearchSpace s = find_space("paper");
  const NetworkCounts n = count_network(s, heaviest_arch(s));
  // The figures of docs/architecture.md (computed there by an independent formula).
  EXPECT_NEAR(double(n.macs) / 1e6, 521.0, 1.0);
  EXPECT_NEAR(double(n.params) / 1e6, 8.94, 0.01);
  // Peak: stage 1 block 1 (112x112x16 in, e6: 96 channels, stride 2) while its depthwise conv
  // runs: the expanded 112x112x96 input and the 56x56x96 output, 4 bytes each.
  EXPECT_EQ(n.peak_activation_bytes, int64_t(112 * 112 * 96 + 56 * 56 * 96) * 4);
}

TEST(Resources, UnknownNamesAndMissingTableAreRefused) {
  const SearchSpace s = find_space("tiny");
  try {
    resource_row(s, "energy", nullptr);
    FAIL() << "accepted an unknown resource";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("latency_ms, params_m, macs_m, memory_mb"), std::string::npos) << e.what();
  }
  EXPECT_THROW(resource_row(s, "latency_ms", nullptr), std::invalid_argument);
  EXPECT_THROW(resource_row(s, "memory_mb", nullptr), std::invalid_argument);
  EXPECT_EQ(resource_constraints(s, "macs_m", 5.0, nullptr).size(), 1u);
}

}  // namespace
}  // namespace iqnas::predictor
