#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "nn/ops.h"
#include "supernet/subnet.h"
#include "supernet/elastic_block.h"
#include "supernet/supernet.h"
#include "tests/nn/gradcheck.h"

namespace iqnas {
namespace {

void expect_close(const Tensor& a, const Tensor& b, double tol) {
  ASSERT_EQ(a.shape(), b.shape());
  const auto x = a.to_vector(), y = b.to_vector();
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], y[i], tol * (1 + std::fabs(y[i]))) << "element " << i;
}

// Trains the BN statistics a little with multipath batches so that eval mode is not trivial.
void warm_up_statistics(Supernet& net, int steps, Rng& rng, BnStats bn = BnStats::Shared) {
  net.set_bn_stats(bn);
  NoGradGuard ng;
  net.train();
  const SearchSpace& s = net.space();
  for (int i = 0; i < steps; ++i) {
    Tensor x = uniform({8, s.image_size, s.image_size, s.in_channels}, -1.f, 1.f, rng);
    net.forward(Var(x), sample_multipath(s, 8, rng));
  }
  net.eval();
}

TEST(Supernet, ExtractedSubnetworkGivesTheSameLogits) {
  const SearchSpace s = find_space("tiny");
  Rng rng(1);
  Supernet net(s, rng);
  warm_up_statistics(net, 3, rng);
  Tensor x = uniform({3, s.image_size, s.image_size, s.in_channels}, -1.f, 1.f, rng);
  for (int trial = 0; trial < 4; ++trial) {
    const Architecture a = trial == 0 ? heaviest_arch(s) : trial == 1 ? smallest_arch(s) : random_arch(s, rng);
    net.set_arch(a);
    const Tensor expected = net.forward(Var(x)).value();
    auto sub = extract_subnetwork(net, a);
    EXPECT_FALSE(sub->training());
    expect_close(sub->forward(Var(x)).value(), expected, 1e-5);
    EXPECT_LT(sub->num_parameters(), net.num_parameters());
  }
}

TEST(Supernet, ExtractedHeaviestOfCifarMatchesToo) {
  const SearchSpace s = find_space("cifar");
  Rng rng(2);
  Supernet net(s, rng);
  warm_up_statistics(net, 1, rng);
  const Architecture a = random_arch(s, rng);
  net.set_arch(a);
  Tensor x = uniform({2, 32, 32, 3}, -1.f, 1.f, rng);
  expect_close(extract_subnetwork(net, a)->forward(Var(x)).value(), net.forward(Var(x)).value(), 1e-4);
}

TEST(Supernet, MultipathRunsEverySampleOnItsOwnPath) {
  // In eval mode samples are independent, so a multipath batch must give each sample the logits of
  // its own architecture run alone: the masks, kernel and SE selections, projection-BN routing and
  // depth gating all select what they claim; with either kind of BN statistics.
  const SearchSpace s = find_space("tiny");
  for (BnStats bn : {BnStats::Shared, BnStats::Private}) {
    Rng rng(3);
    Supernet net(s, rng);
    warm_up_statistics(net, 3, rng, bn);
    const int64_t N = 6;
    Tensor x = uniform({N, s.image_size, s.image_size, s.in_channels}, -1.f, 1.f, rng);
    const PathSample path = sample_multipath(s, N, rng);
    const Tensor logits = net.forward(Var(x), path).value();
    for (int64_t n = 0; n < N; ++n) {
      net.set_arch(path.arch_of(n));
      const Tensor one = net.forward(Var(x.slice(0, n, 1).contiguous())).value();
      expect_close(one, logits.slice(0, n, 1).contiguous(), 1e-5);
    }
  }
}

// Per-channel mean and unbiased variance of an NHWC tensor over N, H and W.
std::pair<std::vector<double>, std::vector<double>> channel_stats(const Tensor& t) {
  const int64_t C = t.dim(3), M = t.numel() / C;
  const std::vector<float> v = t.to_vector();
  std::vector<double> mean(C, 0), var(C, 0);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t c = 0; c < C; ++c) mean[c] += v[i * C + c] / double(M);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t c = 0; c < C; ++c) var[c] += std::pow(v[i * C + c] - mean[c], 2) / double(M - 1);
  return {mean, var};
}

TEST(Supernet, SharedBnStatisticsAreWholeBatchStatistics) {
  // Train mode, one multipath batch from fresh statistics (mean 0, var 1, momentum 0.1): with shared
  // statistics the depthwise BN of each kernel present has seen the UNMASKED expansion output of the
  // whole batch, and every present projection BN has the same statistics; private statistics differ.
  const SearchSpace s = find_space("tiny");
  const std::vector<int> cfgs{0, s.num_configs() - 1, 3, 6, 5, 2};  // both kernels, several pairs
  for (BnStats bn : {BnStats::Shared, BnStats::Private}) {
    Rng rng(8);
    ElasticBlock block(s, 8, 8, 1, Act::HSwish, rng);
    block.bn_stats = bn;
    const Tensor x = uniform({6, 5, 5, 8}, -1.f, 1.f, rng);
    std::map<std::string, Var> p;
    for (auto& [n, v] : block.named_parameters()) p[n] = v;
    // The expansion by hand, in training mode (its BN statistics are whole-batch in both modes).
    Tensor m = Tensor::zeros({p.at("expand.weight").dim(0)}), v = Tensor::full({p.at("expand.weight").dim(0)}, 1.f);
    Var h;
    {
      NoGradGuard ng;
      h = activation(batch_norm(pointwise_conv(Var(x), p.at("expand.weight")), p.at("expand_bn.weight"),
                                p.at("expand_bn.bias"), BatchNormState{&m, &v, 0.1f, 1e-5f}, true),
                     Act::HSwish);
    }
    block.train();
    {
      NoGradGuard ng;
      block.forward(Var(x), cfgs);
    }
    std::map<std::string, Tensor*> buf;
    for (auto& [n, t] : block.named_buffers()) buf[n] = t;
    for (int k : s.kernels) {
      const std::string dw = "dw_k" + std::to_string(k);
      const auto [mean, var] = channel_stats(depthwise_conv(h, p.at(dw + ".weight"), 1).value());
      const std::vector<float> rm = buf.at(dw + "_bn.running_mean")->to_vector(), rv = buf.at(dw + "_bn.running_var")->to_vector();
      double worst = 0;
      for (size_t c = 0; c < mean.size(); ++c)
        worst = std::max({worst, std::fabs(rm[c] - 0.1 * mean[c]), std::fabs(rv[c] - (0.9 + 0.1 * var[c]))});
      if (bn == BnStats::Shared)
        EXPECT_LT(worst, 1e-5) << dw;
      else
        EXPECT_GT(worst, 1e-3) << dw;
    }
    const std::vector<float> first = buf.at("project_bn_e2_se0.running_mean")->to_vector();
    for (const char* pair : {"project_bn_e4_se1", "project_bn_e4_se0", "project_bn_e2_se1"}) {
      const std::vector<float> other = buf.at(std::string(pair) + ".running_mean")->to_vector();
      if (bn == BnStats::Shared)
        EXPECT_EQ(other, first) << pair;
      else
        EXPECT_NE(other, first) << pair;
    }
  }
}

TEST(Supernet, SmallerExpansionUsesOnlyItsChannels) {
  // Changing weights of channels beyond e*C_in must not change a path with expansion e.
  const SearchSpace s = find_space("tiny");
  Rng rng(4);
  Supernet net(s, rng);
  net.eval();
  const int small = s.config_index(BlockConfig{s.expansions.front(), s.kernels.front(), true});
  Architecture a = smallest_arch(s);
  a.blocks[0][0] = small;
  net.set_arch(a);
  Tensor x = uniform({2, s.image_size, s.image_size, s.in_channels}, -1.f, 1.f, rng);
  const Tensor before = net.forward(Var(x)).value();
  const int used = s.expanded(s.stage_in(0), s.expansions.front());
  for (auto& [name, p] : net.block(0, 0).named_parameters())
    if (name == "expand.weight") {
      Tensor w = p.value();
      for (int64_t r = used; r < w.dim(0); ++r)
        for (int64_t c = 0; c < w.dim(1); ++c) w.at({r, c}) = 100.f;
    }
  expect_close(net.forward(Var(x)).value(), before, 0.0);
}

TEST(Supernet, ElasticBlockGradientsInMultipathMode) {
  // Finite differences through the whole multipath block (masks, both kernels, SE on and off,
  // projection-BN routing, residual), for the input and for a sample of every parameter.
  SearchSpace s = find_space("tiny");
  for (BnStats bn : {BnStats::Shared, BnStats::Private}) {
    SCOPED_TRACE(bn_stats_name(bn));
    Rng rng(5);
    ElasticBlock block(s, 4, 4, 1, Act::HSwish, rng);
    block.bn_stats = bn;
    const std::vector<int> cfgs{0, s.num_configs() - 1, 3, 6};
    const Tensor x = uniform({4, 3, 3, 4}, -1.f, 1.f, rng);
    test::expect_gradients_match([&](const std::vector<Var>& v) { return block.forward(v[0], cfgs); }, {x}, 1e-2f, 5e-2, 40);

    block.zero_grad();  // the input check above accumulated parameter gradients
    Var xin(x.clone());
    Var y = block.forward(xin, cfgs);
    const Tensor r = uniform(y.shape(), -1.f, 1.f, rng);
    y.backward(r);
    auto loss = [&] {
      NoGradGuard ng;
      return test::projected(block.forward(xin, cfgs).value(), r);
    };
    int checked = 0;
    for (auto& [name, p] : block.named_parameters()) {
      if (!p.grad().defined()) continue;  // e.g. SE hidden units no sample uses get none
      const std::vector<float> g = p.grad().to_vector();
      float* w = p.value().data();
      for (int64_t j = 0; j < p.value().numel(); j += std::max<int64_t>(1, p.value().numel() / 3)) {
        const float keep = w[j], eps = 1e-2f;
        w[j] = keep + eps;
        const double up = loss();
        w[j] = keep - eps;
        const double down = loss();
        w[j] = keep;
        const double numeric = (up - down) / (2 * eps);
        EXPECT_NEAR(g[j], numeric, 5e-2 * std::max(1.0, std::fabs(numeric))) << name << "[" << j << "]";
        ++checked;
      }
    }
    EXPECT_GT(checked, 30);
  }
}

TEST(Supernet, SinglePathGradientReachesOnlyUsedWeights) {
  const SearchSpace s = find_space("tiny");
  Rng rng(6);
  Supernet net(s, rng);
  Architecture a = smallest_arch(s);
  net.set_arch(a);
  Tensor x = uniform({4, s.image_size, s.image_size, s.in_channels}, -1.f, 1.f, rng);
  cross_entropy(net.forward(Var(x)), {0, 1, 2, 3}).backward();
  const int used = s.expanded(s.stage_in(0), s.expansions.front());
  for (auto& [name, p] : net.block(0, 0).named_parameters()) {
    if (name == "expand.weight") {
      ASSERT_TRUE(p.grad().defined());
      const Tensor g = p.grad();
      double inside = 0, outside = 0;
      for (int64_t r = 0; r < g.dim(0); ++r)
        for (int64_t c = 0; c < g.dim(1); ++c) (r < used ? inside : outside) += std::fabs(g.at({r, c}));
      EXPECT_GT(inside, 0.0);
      EXPECT_EQ(outside, 0.0);
    }
    if (name.rfind("dw_k5", 0) == 0 || name.rfind("se_", 0) == 0) {
      EXPECT_FALSE(p.grad().defined()) << name;
    }
  }
  // Blocks beyond the smallest depth got nothing.
  for (auto& [name, p] : net.block(0, s.stages[0].max_depth() - 1).named_parameters())
    EXPECT_FALSE(p.grad().defined()) << name;
}

}  // namespace
}  // namespace iqnas
