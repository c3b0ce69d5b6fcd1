// The report's comparison of the found networks with the random sub-networks that fit the same
// budget (experiments/random_comparison.h): a budget no random network fits is no win for random
// drawing, and the statistics are the usual ones.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "experiments/random_comparison.h"

using namespace iqnas::cli;

namespace {

TEST(RandomComparison, StatisticsOfTheNetworksThatFit) {
  const RandomComparison c = compare_with_random(2.5, 80, {79, 70, 85, 75});
  EXPECT_EQ(c.fit, 4u);
  EXPECT_DOUBLE_EQ(c.median, 77);  // (75 + 79) / 2, not the upper middle 79
  EXPECT_DOUBLE_EQ(c.best, 85);
  EXPECT_DOUBLE_EQ(c.below_pct, 75);
  EXPECT_TRUE(c.random_better());
  EXPECT_EQ(random_comparison_row(c), "| 2.5 | 80.00 | 4 | 77.00 | 85.00 | 75.0% |\n");
}

TEST(RandomComparison, NoNetworkFitsTheBudget) {
  const RandomComparison c = compare_with_random(1, 60, {});
  EXPECT_EQ(c.fit, 0u);
  EXPECT_FALSE(c.random_better());
  EXPECT_TRUE(std::isnan(c.median) && std::isnan(c.best));
  EXPECT_EQ(random_comparison_row(c), "| 1 | 60.00 | 0 | - | - | - |\n");
}

TEST(RandomComparison, ABudgetWithoutRandomNetworksIsLeftOutOfTheCount) {
  // Budget 1: nothing fits. Budget 2: a random one is better. Budget 3: the found one is best.
  const std::string s = random_comparison_summary(
      {compare_with_random(1, 60, {}), compare_with_random(2, 70, {65, 72}), compare_with_random(3, 90, {80, 85, 90})});
  EXPECT_NE(s.find("No random sub-network fits the budget 1:"), std::string::npos) << s;
  EXPECT_NE(s.find("At 1 of 2 budgets a random sub-network"), std::string::npos) << s;
}

TEST(RandomComparison, FoundNetworksBestEverywhere) {
  const std::string s = random_comparison_summary({compare_with_random(2, 75, {65, 72}), compare_with_random(3, 90, {80, 90})});
  EXPECT_EQ(s.find("random sub-network that fits the budget measures better"), std::string::npos) << s;
  EXPECT_NE(s.find("At each of the 2 budgets the found network measures at least as well"), std::string::npos) << s;
  EXPECT_EQ(s.find("No random sub-network fits"), std::string::npos) << s;
}

TEST(RandomComparison, SeveralBudgetsWithoutRandomNetworks) {
  const std::string s = random_comparison_summary({compare_with_random(1, 60, {}), compare_with_random(1.5, 61, {})});
  EXPECT_NE(s.find("fits the budgets 1, 1.5: nothing to compare with there, so they are left out"), std::string::npos) << s;
  EXPECT_EQ(s.find("At "), std::string::npos) << s;
}

}  // namespace
