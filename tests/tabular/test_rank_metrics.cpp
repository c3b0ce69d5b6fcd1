#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "predictor/rank_metrics.h"

using namespace iqnas::predictor;

// Hand-computed: a = 1..5, b = (5, 6, 7, 8, 7). Of the 10 pairs, 8 are concordant, 1 discordant
// (4, 5) and 1 tied in b only (3, 5): tau-b = 7 / sqrt(10 * 9). Ranks of b with the tie averaged:
// (1, 2, 3.5, 5, 3.5), whose Pearson r with 1..5 is 8 / sqrt(10 * 9.5).
TEST(RankMetrics, HandComputedWithTiesInOneVector) {
  const std::vector<double> a{1, 2, 3, 4, 5}, b{5, 6, 7, 8, 7};
  EXPECT_NEAR(kendall_tau(a, b), 7.0 / std::sqrt(90.0), 1e-12);
  EXPECT_NEAR(spearman(a, b), 8.0 / std::sqrt(95.0), 1e-12);
  EXPECT_NEAR(pearson(a, b), 6.0 / std::sqrt(52.0), 1e-12);
  EXPECT_NEAR(rmse(a, b), std::sqrt(68.0 / 5.0), 1e-12);
  // Symmetric in its arguments.
  EXPECT_NEAR(kendall_tau(b, a), kendall_tau(a, b), 1e-15);
  EXPECT_NEAR(spearman(b, a), spearman(a, b), 1e-15);
}

// a = (1, 1, 2, 2), b = (1, 1, 2, 3): 4 concordant, 0 discordant, 2 pairs tied in a (one of them
// also tied in b), 1 tied in b: tau-b = 4 / sqrt((6 - 2) (6 - 1)).
TEST(RankMetrics, TiesInBothVectors) {
  const std::vector<double> a{1, 1, 2, 2}, b{1, 1, 2, 3};
  EXPECT_NEAR(kendall_tau(a, b), 4.0 / std::sqrt(20.0), 1e-12);
  // Ranks (1.5, 1.5, 3.5, 3.5) and (1.5, 1.5, 3, 4).
  const std::vector<double> ra{1.5, 1.5, 3.5, 3.5}, rb{1.5, 1.5, 3, 4};
  EXPECT_EQ(average_ranks(a), ra);
  EXPECT_EQ(average_ranks(b), rb);
  EXPECT_NEAR(spearman(a, b), pearson(ra, rb), 1e-15);
  EXPECT_NEAR(spearman(a, b), 4.0 / std::sqrt(4.0 * 4.5), 1e-12);
}

TEST(RankMetrics, AverageRanksUnsorted) {
  const std::vector<double> expected{4, 1, 4, 4, 2};
  EXPECT_EQ(average_ranks({3, 1, 3, 3, 2}), expected);
}

TEST(RankMetrics, PerfectAndReversedOrders) {
  const std::vector<double> a{0.1, 0.5, 0.2, 0.9}, up{1, 9, 4, 16}, down{-1, -9, -4, -16};
  EXPECT_DOUBLE_EQ(kendall_tau(a, up), 1.0);
  EXPECT_DOUBLE_EQ(spearman(a, up), 1.0);
  EXPECT_DOUBLE_EQ(kendall_tau(a, down), -1.0);
  EXPECT_DOUBLE_EQ(spearman(a, down), -1.0);
  EXPECT_LT(pearson(a, up), 1.0);  // monotone but not linear
  EXPECT_DOUBLE_EQ(rmse(a, a), 0.0);
}

TEST(RankMetrics, UndefinedAndBadInput) {
  const std::vector<double> c{2, 2, 2}, v{1, 2, 3};
  EXPECT_TRUE(std::isnan(kendall_tau(c, v)));
  EXPECT_TRUE(std::isnan(spearman(c, v)));
  EXPECT_TRUE(std::isnan(pearson(v, c)));
  EXPECT_THROW(kendall_tau(v, {1, 2}), std::invalid_argument);
  EXPECT_THROW(spearman({1}, {1}), std::invalid_argument);
  EXPECT_THROW(rmse({}, {}), std::invalid_argument);
}
