// The statistics of iqnas lut-check on small cases computed by hand.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "predictor/latency_check.h"

namespace iqnas::predictor {
namespace {

TEST(LatencyCheck, Statistics) {
  const std::vector<double> p{1, 2, 3, 4}, m{1.1, 1.8, 3.3, 4.4};
  // |0.1|/1.1 + |0.2|/1.8 + |0.3|/3.3 + |0.4|/4.4, averaged, in percent
  EXPECT_NEAR(mape(p, m), 100.0 * (0.1 / 1.1 + 0.2 / 1.8 + 0.3 / 3.3 + 0.4 / 4.4) / 4, 1e-12);
  EXPECT_NEAR(pearson(p, {2, 4, 6, 8}), 1.0, 1e-12);
  EXPECT_NEAR(pearson(p, {8, 6, 4, 2}), -1.0, 1e-12);
  EXPECT_NEAR(kendall_tau(p, m), 1.0, 1e-12);
  // one discordant pair of six: tau = (5 - 1) / 6
  EXPECT_NEAR(kendall_tau(p, {1, 3, 2, 4}), 4.0 / 6.0, 1e-12);
  const LinearFit f = fit_linear(p, {3, 5, 7, 9});  // y = 2x + 1
  EXPECT_NEAR(f.slope, 2.0, 1e-12);
  EXPECT_NEAR(f.intercept, 1.0, 1e-12);
  EXPECT_THROW(mape(p, {1, 2}), std::invalid_argument);
}

}  // namespace
}  // namespace iqnas::predictor
