// Channel reordering of the heaviest network by Taylor importance (supernet/reorder.h).
#include <gtest/gtest.h>

#include <cmath>

#include "supernet/reorder.h"

namespace iqnas {
namespace {

// Random 28x28 grey images of 10 classes, labels cycling with a few extra of class 3.
std::shared_ptr<data::InMemoryDataset> synthetic(int64_t n, Rng& rng) {
  std::vector<std::string> classes;
  for (int c = 0; c < 10; ++c) classes.push_back("c" + std::to_string(c));
  auto d = std::make_shared<data::InMemoryDataset>("synthetic", "test", 28, 28, 1, classes);
  for (int64_t i = 0; i < n; ++i) {
    uint8_t* p = d->append_uninitialised(i < 10 ? 3 : static_cast<int32_t>(i % 10));
    for (int k = 0; k < 28 * 28; ++k) p[k] = static_cast<uint8_t>(rng.below(256));
  }
  return d;
}

Tensor logits_of(Supernet& net, const Architecture& a, const Tensor& x) {
  NoGradGuard ng;
  net.eval();
  net.set_arch(a);
  return net.forward(Var(x)).value();
}

TEST(Reorder, FirstImagesOfEachClass) {
  Rng rng(1);
  auto d = synthetic(60, rng);  // class 3: images 0-9 and 13, 23, ...; others 5 each
  const std::vector<int64_t> idx = first_per_class(*d, 0.2);
  // class 3 has 15 images -> 3 (0, 1, 2); every other class 5 -> 1, its first
  EXPECT_EQ(idx, (std::vector<int64_t>{0, 1, 2, 10, 11, 12, 14, 15, 16, 17, 18, 19}));
  EXPECT_EQ(first_per_class(*d, 1.0).size(), 60u);
  EXPECT_THROW(first_per_class(*d, 0.0), std::invalid_argument);
}

TEST(Reorder, IsFunctionPreservingAndSortsByImportance) {
  const SearchSpace s = find_space("tiny");
  Rng rng(2);
  Supernet net(s, rng);
  {  // non-trivial BN statistics
    NoGradGuard ng;
    net.train();
    for (int i = 0; i < 3; ++i) net.forward(Var(uniform({8, 28, 28, 1}, -1.f, 1.f, rng)));
  }
  auto d = synthetic(100, rng);
  const data::AugmentConfig aug = data::eval_augment("fashion-mnist", 28);
  const Tensor x = uniform({4, 28, 28, 1}, -1.f, 1.f, rng);
  const Tensor heavy = logits_of(net, heaviest_arch(s), x), small = logits_of(net, smallest_arch(s), x);
  const auto before = channel_importance(net, d, aug, 32, 1);

  reorder_channels(net, d, aug, 0.5, 32, 1);

  const Tensor heavy2 = logits_of(net, heaviest_arch(s), x);
  const auto a = heavy.to_vector(), b = heavy2.to_vector();
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-5 * (1 + std::fabs(a[i]))) << i;
  // The smaller architectures now use other channels.
  EXPECT_NE(logits_of(net, smallest_arch(s), x).to_vector(), small.to_vector());
  // Measured on the same data, importance now decreases along the channels and hidden units: the
  // reordered importances are the sorted old ones.
  auto half = std::make_shared<data::SubsetDataset>(d, first_per_class(*d, 0.5), "half");
  const auto after = channel_importance(net, half, aug, 32, 1);
  int unsorted_before = 0;
  for (size_t st = 0; st < after.size(); ++st)
    for (size_t bl = 0; bl < after[st].size(); ++bl)
      for (const auto* v : {&after[st][bl].channels, &after[st][bl].hidden}) {
        ASSERT_GT(v->size(), 1u);
        for (size_t i = 1; i < v->size(); ++i) EXPECT_GE((*v)[i - 1] * (1 + 1e-4), (*v)[i]) << st << "." << bl << " " << i;
      }
  for (size_t st = 0; st < before.size(); ++st)
    for (size_t i = 1; i < before[st][0].channels.size(); ++i) unsorted_before += before[st][0].channels[i - 1] < before[st][0].channels[i];
  EXPECT_GT(unsorted_before, 0);  // there was something to sort
}

TEST(Reorder, PermuteBlockChecksItsPermutations) {
  const SearchSpace s = find_space("tiny");
  Rng rng(3);
  Supernet net(s, rng);
  EXPECT_THROW(permute_block(net, 0, 0, {0, 0}, {0}), std::invalid_argument);
}

}  // namespace
}  // namespace iqnas
