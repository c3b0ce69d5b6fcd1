// The portable generator: pinned values of every distribution (a change of algorithm, or of how
// many values a draw takes, changes every seeded result of the project and must fail here), and
// their moments.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "util/rng.h"

using iqnas::util::Rng;

namespace {

TEST(Rng, SplitMix64ReferenceSequence) {
  // The published SplitMix64 outputs for the state 0.
  Rng r(0);
  EXPECT_EQ(r.next(), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(r.next(), 0x6E789E6AA1B965F4ull);
  EXPECT_EQ(r.next(), 0x06C45D188009454Full);
}

TEST(Rng, PinnedValuesOfEveryDistribution) {
  Rng u(42);
  EXPECT_EQ(u.uniform(), 0.7415648787718233);
  EXPECT_EQ(u.uniform(), 0.1599103928769201);
  EXPECT_EQ(u.uniform(), 0.27860113025513866);

  Rng b(42);
  std::vector<uint64_t> below;
  for (int i = 0; i < 8; ++i) below.push_back(b.below(10));
  EXPECT_EQ(below, (std::vector<uint64_t>{3, 1, 8, 4, 0, 2, 5, 8}));

  Rng i(42);
  std::vector<int64_t> ints;
  for (int k = 0; k < 8; ++k) ints.push_back(i.uniform_int(-3, 3));
  EXPECT_EQ(ints, (std::vector<int64_t>{2, 2, -3, -1, 3, 1, -1, 3}));

  // Box-Muller: two values a draw (the last bits follow the platform's log and cos).
  Rng n(42);
  EXPECT_DOUBLE_EQ(n.normal(), 0.8822489062222688);
  EXPECT_DOUBLE_EQ(n.normal(), -0.4508498757188601);
  EXPECT_DOUBLE_EQ(n.normal(), 0.1883526341159315);

  Rng c(42);
  std::vector<int> coins;
  for (int k = 0; k < 10; ++k) coins.push_back(c.bernoulli(0.3));
  EXPECT_EQ(coins, (std::vector<int>{0, 1, 1, 0, 1, 0, 1, 0, 0, 0}));

  Rng s(42);
  std::vector<int> v{0, 1, 2, 3, 4, 5};
  iqnas::util::shuffle(v, s);
  EXPECT_EQ(v, (std::vector<int>{4, 3, 0, 2, 5, 1}));
}

TEST(Rng, ConsumptionOfTheStreamIsAsDocumented) {
  Rng a(7), b(7);
  a.normal();
  b.next(), b.next();
  EXPECT_EQ(a.next(), b.next());  // normal: two values
  a.uniform(), a.bernoulli(0.5), a.coin(), a.below(3);
  for (int k = 0; k < 4; ++k) b.next();
  EXPECT_EQ(a.next(), b.next());  // one value each (below: unless rejected, odds 3 / 2^64)
}

TEST(Rng, Moments) {
  const int n = 200000;
  Rng r(2024);
  double su = 0, su2 = 0, sn = 0, sn2 = 0, sn4 = 0, sb = 0;
  std::vector<int> hist(7, 0);
  for (int k = 0; k < n; ++k) {
    const double u = r.uniform();
    ASSERT_TRUE(u >= 0 && u < 1);
    su += u, su2 += u * u;
    const double z = r.normal(1.5, 2.0);
    sn += z, sn2 += z * z, sn4 += std::pow((z - 1.5) / 2.0, 4);
    sb += r.bernoulli(0.3);
    ++hist[static_cast<size_t>(r.uniform_int(-3, 3) + 3)];
  }
  const double mu = su / n, mn = sn / n;
  EXPECT_NEAR(mu, 0.5, 0.003);                        // sd of the mean: 0.29 / sqrt(n) = 0.00065
  EXPECT_NEAR(su2 / n - mu * mu, 1.0 / 12, 0.002);
  EXPECT_NEAR(mn, 1.5, 0.02);                         // 2 / sqrt(n) = 0.0045
  EXPECT_NEAR(sn2 / n - mn * mn, 4.0, 0.06);
  EXPECT_NEAR(sn4 / n, 3.0, 0.1);                     // the kurtosis of a normal
  EXPECT_NEAR(sb / n, 0.3, 0.005);
  for (int h : hist) EXPECT_NEAR(h / double(n), 1.0 / 7, 0.005);
}

TEST(Rng, ShuffleIsAPermutationAndUniform) {
  // Every one of the 6 orders of 3 elements about equally often.
  Rng r(5);
  std::vector<int> count(6, 0);
  const int n = 60000;
  for (int k = 0; k < n; ++k) {
    std::vector<int> v{0, 1, 2};
    iqnas::util::shuffle(v, r);
    std::vector<int> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(sorted, (std::vector<int>{0, 1, 2}));
    ++count[static_cast<size_t>(v[0] * 2 + (v[1] > v[2]))];
  }
  for (int c : count) EXPECT_NEAR(c / double(n), 1.0 / 6, 0.01);
}

TEST(Rng, MixSeedSeparatesStreams) {
  using iqnas::util::mix_seed;
  EXPECT_NE(mix_seed(1, 0), mix_seed(1, 1));
  EXPECT_NE(mix_seed(1, 0, 1), mix_seed(1, 1, 0));
  EXPECT_EQ(mix_seed(3, 4, 5, 6), mix_seed(3, 4, 5, 6));
}

}  // namespace
