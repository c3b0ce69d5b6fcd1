// Forward values of the ops against the reference kernels (tests/kernels/reference/) and values
// computed independently in the test.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/ops.h"
#include "tests/kernels/reference/reference.h"

namespace iqnas {
namespace {

Var constant(const Shape& s, std::vector<float> v) { return Var(Tensor::from_vector(s, v)); }

TEST(OpsValues, Activations) {
  Var x = constant({5}, {-4.f, -1.f, 0.f, 1.f, 4.f});
  EXPECT_EQ(relu(x).value().to_vector(), (std::vector<float>{0.f, 0.f, 0.f, 1.f, 4.f}));
  const auto hs = hswish(x).value().to_vector();
  EXPECT_FLOAT_EQ(hs[0], 0.f);
  EXPECT_FLOAT_EQ(hs[1], -1.f * 2.f / 6.f);
  EXPECT_FLOAT_EQ(hs[3], 4.f / 6.f);
  EXPECT_FLOAT_EQ(hs[4], 4.f);
  const auto hg = hsigmoid(x).value().to_vector();
  EXPECT_FLOAT_EQ(hg[2], 0.5f);
  EXPECT_FLOAT_EQ(hg[4], 1.f);
  EXPECT_NEAR(sigmoid(x).value().to_vector()[3], 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
}

TEST(OpsValues, BatchNormNormalisesAndTracksRunningStatistics) {
  Rng rng(3);
  Tensor x = uniform({4, 3, 3, 2}, -1.f, 5.f, rng);
  Tensor rm = Tensor::zeros({2}), rv = Tensor::full({2}, 1.f);
  BatchNormState s{&rm, &rv, 0.1f, 1e-5f};
  Var y = batch_norm(Var(x), Var(Tensor::full({2}, 2.f)), Var(Tensor::full({2}, 0.5f)), s, true);
  BnArgs a;
  a.M = 36, a.C = 2, a.eps = 1e-5f;
  const auto xv = x.to_vector();
  const auto yr = ref::batchnorm_forward_train(a, xv, {2.f, 2.f}, {0.5f, 0.5f}).y;
  const auto yv = y.value().to_vector();
  for (size_t i = 0; i < yv.size(); ++i) EXPECT_NEAR(yv[i], yr[i], 1e-5);
  const ref::BnRunning run = ref::batchnorm_update_running(a, 0.1, xv, {0.f, 0.f}, {1.f, 1.f});
  for (int64_t c = 0; c < 2; ++c) {
    EXPECT_NEAR(rm.data()[c], run.mean[size_t(c)], 1e-5);
    EXPECT_NEAR(rv.data()[c], run.var[size_t(c)], 1e-4);
  }
  // Eval mode uses the running statistics.
  Var ye = batch_norm(Var(x), Var(Tensor::full({2}, 1.f)), Var(Tensor::zeros({2})), s, false);
  const auto er = ref::batchnorm_forward_eval(a, xv, {1.f, 1.f}, {0.f, 0.f}, rm.to_vector(), rv.to_vector());
  const auto ev = ye.value().to_vector();
  for (size_t i = 0; i < ev.size(); ++i) EXPECT_NEAR(ev[i], er[i], 1e-5);
}

// The mean over the batch of the reference's per-sample losses.
double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

TEST(OpsValues, CrossEntropyWithSmoothing) {
  const std::vector<float> logits = {1.f, 2.f, 3.f, 0.5f, -1.f, 2.f};
  Var z = constant({2, 3}, logits);
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  EXPECT_NEAR(cross_entropy(constant({1, 3}, {1.f, 2.f, 3.f}), {0}).value().item(), lse - 1.0, 1e-5);
  EXPECT_NEAR(cross_entropy(z, {0, 2}).value().item(), mean(ref::softmax_xent_forward(logits, {0, 2}, 0.0, 2, 3).loss), 1e-5);
  EXPECT_NEAR(cross_entropy(z, {0, 2}, 0.2f).value().item(), mean(ref::softmax_xent_forward(logits, {0, 2}, 0.2, 2, 3).loss),
              1e-5);
  EXPECT_THROW(cross_entropy(z, {0, 3}), std::invalid_argument);
  EXPECT_THROW(cross_entropy(z, {0}), std::invalid_argument);
}

TEST(OpsValues, KlDivergence) {
  Var a = constant({2, 3}, {1.f, 2.f, 3.f, 0.f, 0.f, 5.f});
  EXPECT_NEAR(kl_div(a, a, 2.f).value().item(), 0.0, 1e-6);
  Var s = constant({1, 2}, {0.f, 0.f}), t = constant({1, 2}, {0.f, std::log(3.f)});
  // teacher (0.25, 0.75) vs student (0.5, 0.5)
  const double kl = 0.25 * std::log(0.5) + 0.75 * std::log(1.5);
  EXPECT_NEAR(kl_div(s, t, 1.f).value().item(), kl, 1e-6);
  const std::vector<float> student = {0.5f, -1.f, 2.f, 1.f, 1.f, 0.f}, teacher = {1.f, 0.f, 0.f, 2.f, -2.f, 1.f};
  EXPECT_NEAR(kl_div(constant({2, 3}, student), constant({2, 3}, teacher), 2.f).value().item(),
              mean(ref::kl_div_forward(student, teacher, 2.0, 2, 3).loss), 1e-6);
}

TEST(OpsValues, PoolingConvolutionsAndMasks) {
  Rng rng(9);
  Tensor x = uniform({2, 3, 4, 5}, -1.f, 1.f, rng);
  // global average pooling
  const auto p = global_avg_pool(Var(x)).value().to_vector();
  const auto pr = ref::avgpool_forward(x.to_vector(), 2, 12, 5);
  for (size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(p[i], pr[i], 1e-6);
  // a depthwise kernel with a centred 1 is the identity
  Tensor w = Tensor::zeros({5, 5, 5});
  for (int c = 0; c < 5; ++c) w.at({2, 2, c}) = 1.f;
  EXPECT_EQ(depthwise_conv(Var(x), Var(w), 1).value().to_vector(), x.to_vector());
  // a 1x1 conv2d equals the pointwise GEMM
  Tensor w1 = uniform({4, 5}, -1.f, 1.f, rng);
  const auto a = conv2d(Var(x), Var(w1.reshape({4, 1, 1, 5})), 1, 0).value().to_vector();
  const auto b = pointwise_conv(Var(x), Var(w1)).value().to_vector();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5);
  // a per-sample channel mask zeroes exactly the masked channels
  Tensor mask = Tensor::from_vector({2, 5}, {1, 1, 0, 0, 0, 1, 1, 1, 1, 0});
  const Tensor y = mul_channels(Var(x), Var(mask)).value();
  EXPECT_EQ(y.at({0, 1, 1, 2}), 0.f);
  EXPECT_EQ(y.at({1, 1, 1, 3}), x.at({1, 1, 1, 3}));
  EXPECT_EQ(y.at({1, 2, 3, 4}), 0.f);
}

TEST(OpsValues, WeightedSumSelectsWithOneHotWeights) {
  Tensor a = Tensor::full({2, 3}, 1.f), b = Tensor::full({2, 3}, 7.f);
  Var w1 = constant({2}, {1.f, 0.f}), w2 = constant({2}, {0.f, 1.f});
  EXPECT_EQ(weighted_sum({Var(a), Var(b)}, {w1, w2}).value().to_vector(),
            (std::vector<float>{1, 1, 1, 7, 7, 7}));
}

TEST(OpsValues, DropoutDropsAtTheRateAndRescales) {
  Rng rng(1);
  Var x(Tensor::full({100000}, 1.f));
  const auto y = dropout(x, 0.25f, true, rng).value().to_vector();
  int zeros = 0;
  for (float v : y) {
    if (v == 0.f) ++zeros;
    else EXPECT_FLOAT_EQ(v, 1.f / 0.75f);
  }
  EXPECT_NEAR(zeros / 100000.0, 0.25, 0.01);
  EXPECT_EQ(dropout(x, 0.25f, false, rng).value().to_vector(), x.value().to_vector());
  EXPECT_THROW(dropout(x, 1.f, true, rng), std::invalid_argument);
}

TEST(OpsValues, CountCorrect) {
  Tensor z = Tensor::from_vector({3, 2}, {0.f, 1.f, 2.f, 1.f, 0.f, 3.f});
  EXPECT_EQ(count_correct(z, {1, 0, 0}), 2);
}

TEST(OpsValues, ShapeErrorsNameTheOp) {
  Var x(Tensor::zeros({1, 4, 4, 3}));
  try {
    pointwise_conv(x, Var(Tensor::zeros({2, 5})));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("pointwise_conv"), std::string::npos);
  }
  EXPECT_THROW(depthwise_conv(x, Var(Tensor::zeros({3, 3, 4})), 1), std::invalid_argument);
  EXPECT_THROW(conv2d(x, Var(Tensor::zeros({2, 3, 3, 2})), 1, 1, 1), std::invalid_argument);
}

TEST(RowsValues, MergeInvertsGather) {
  Rng r(12);
  Tensor x = uniform({5, 4}, -1.f, 1.f, r);
  Var a = gather_rows(Var(x), {4, 1}), b = gather_rows(Var(x), {0, 2, 3});
  EXPECT_EQ(merge_rows({a, b}, {{4, 1}, {0, 2, 3}}, 5).value().to_vector(), x.to_vector());
  EXPECT_THROW(merge_rows({a, b}, {{4, 1}, {0, 2, 2}}, 5), std::invalid_argument);
}

}  // namespace
}  // namespace iqnas
