// Finite-difference gradient checks for every differentiable op, on odd shapes, batch 1 and
// stride 2.
#include <gtest/gtest.h>

#include "nn/ops.h"
#include "tests/nn/gradcheck.h"

namespace iqnas {
namespace {
using test::expect_gradients_match;

Rng& rng() {
  static Rng r(42);
  return r;
}
Tensor rnd(const Shape& s, float scale = 1.f) { return uniform(s, -scale, scale, rng()); }

struct ConvCase { Shape x, w; int stride, pad, groups; };
class Conv2dGrad : public ::testing::TestWithParam<ConvCase> {};
TEST_P(Conv2dGrad, MatchesFiniteDifferences) {
  const ConvCase c = GetParam();
  expect_gradients_match([&](const std::vector<Var>& v) { return conv2d(v[0], v[1], c.stride, c.pad, c.groups); },
                         {rnd(c.x), rnd(c.w)});
}
INSTANTIATE_TEST_SUITE_P(Shapes, Conv2dGrad, ::testing::Values(
    ConvCase{{2, 7, 5, 3}, {4, 3, 3, 3}, 2, 1, 1},   // stem-like, stride 2, odd sizes
    ConvCase{{1, 6, 5, 4}, {6, 3, 3, 2}, 1, 1, 2},   // groups 2, batch 1
    ConvCase{{1, 5, 5, 3}, {3, 3, 3, 1}, 2, 0, 3},   // depthwise through the general path, no padding
    ConvCase{{2, 4, 3, 5}, {2, 1, 1, 5}, 1, 0, 1}));

struct DwCase { Shape x; int K, stride; };
class DepthwiseGrad : public ::testing::TestWithParam<DwCase> {};
TEST_P(DepthwiseGrad, MatchesFiniteDifferences) {
  const DwCase c = GetParam();
  expect_gradients_match([&](const std::vector<Var>& v) { return depthwise_conv(v[0], v[1], c.stride); },
                         {rnd(c.x), rnd({c.K, c.K, c.x[3]})});
}
INSTANTIATE_TEST_SUITE_P(Shapes, DepthwiseGrad, ::testing::Values(
    DwCase{{1, 7, 6, 5}, 3, 1}, DwCase{{2, 7, 5, 3}, 3, 2}, DwCase{{1, 9, 7, 17}, 5, 1},
    DwCase{{2, 8, 9, 4}, 5, 2}, DwCase{{1, 3, 3, 2}, 5, 2}));

TEST(PointwiseConvGrad, MatchesFiniteDifferences) {
  expect_gradients_match([](const std::vector<Var>& v) { return pointwise_conv(v[0], v[1]); },
                         {rnd({2, 3, 5, 7}), rnd({6, 7})});
  expect_gradients_match([](const std::vector<Var>& v) { return pointwise_conv(v[0], v[1]); },
                         {rnd({1, 1, 1, 9}), rnd({4, 9})});
}

TEST(LinearGrad, MatchesFiniteDifferences) {
  expect_gradients_match([](const std::vector<Var>& v) { return linear(v[0], v[1], v[2]); },
                         {rnd({3, 7}), rnd({5, 7}), rnd({5})});
}

TEST(BatchNormGrad, TrainingMode) {
  Tensor rm = Tensor::zeros({5}), rv = Tensor::full({5}, 1.f);
  BatchNormState s{&rm, &rv, 0.1f, 1e-5f};
  // Scaled-up inputs keep the variance away from eps, where float differences would be noisy.
  expect_gradients_match([&](const std::vector<Var>& v) { return batch_norm(v[0], v[1], v[2], s, true); },
                         {rnd({3, 4, 3, 5}, 2.f), rnd({5}), rnd({5})}, 1e-2f, 3e-2);
}

TEST(BatchNormGrad, TrainingModeBatchOne) {
  Tensor rm = Tensor::zeros({3}), rv = Tensor::full({3}, 1.f);
  BatchNormState s{&rm, &rv, 0.1f, 1e-5f};
  expect_gradients_match([&](const std::vector<Var>& v) { return batch_norm(v[0], v[1], v[2], s, true); },
                         {rnd({1, 3, 5, 3}, 2.f), rnd({3}), rnd({3})}, 1e-2f, 3e-2);
}

TEST(BatchNormGrad, EvalMode) {
  Tensor rm = rnd({4}), rv = uniform({4}, 0.5f, 2.f, rng());
  BatchNormState s{&rm, &rv, 0.1f, 1e-5f};
  expect_gradients_match([&](const std::vector<Var>& v) { return batch_norm(v[0], v[1], v[2], s, false); },
                         {rnd({2, 3, 3, 4}), rnd({4}), rnd({4})});
}

TEST(ActivationGrad, AllActivationsAwayFromKinks) {
  const Shape s{2, 3, 5, 7};
  expect_gradients_match([](const std::vector<Var>& v) { return relu(v[0]); },
                         {test::random_away_from(s, {0.f}, 0.05f, rng())});
  expect_gradients_match([](const std::vector<Var>& v) { return hswish(v[0]); },
                         {test::random_away_from(s, {-3.f, 3.f}, 0.05f, rng())});
  expect_gradients_match([](const std::vector<Var>& v) { return hsigmoid(v[0]); },
                         {test::random_away_from(s, {-3.f, 3.f}, 0.05f, rng())});
  expect_gradients_match([](const std::vector<Var>& v) { return sigmoid(v[0]); }, {rnd(s, 4.f)});
}

TEST(PoolGrad, GlobalAveragePooling) {
  expect_gradients_match([](const std::vector<Var>& v) { return global_avg_pool(v[0]); }, {rnd({2, 3, 5, 7})});
  expect_gradients_match([](const std::vector<Var>& v) { return global_avg_pool(v[0]); }, {rnd({1, 1, 1, 4})});
}

TEST(ArithGrad, AddMulScale) {
  expect_gradients_match([](const std::vector<Var>& v) { return add(v[0], v[1]); }, {rnd({3, 5}), rnd({3, 5})});
  expect_gradients_match([](const std::vector<Var>& v) { return mul(v[0], v[1]); }, {rnd({2, 3, 7}), rnd({2, 3, 7})});
  expect_gradients_match([](const std::vector<Var>& v) { return scale(v[0], -2.5f); }, {rnd({4, 3})});
  // The same input used twice: gradients of both uses must add up.
  expect_gradients_match([](const std::vector<Var>& v) { return mul(v[0], add(v[0], v[0])); }, {rnd({5})});
}

TEST(ArithGrad, BroadcastChannelMultiply) {
  expect_gradients_match([](const std::vector<Var>& v) { return mul_channels(v[0], v[1]); },
                         {rnd({2, 3, 5, 7}), rnd({2, 7})});
  expect_gradients_match([](const std::vector<Var>& v) { return mul_channels(v[0], v[1]); },
                         {rnd({1, 1, 1, 3}), rnd({1, 3})});
}

TEST(ArithGrad, PerSampleWeightedSum) {
  expect_gradients_match([](const std::vector<Var>& v) { return weighted_sum({v[0], v[1], v[2]}, {v[3], v[4], v[5]}); },
                         {rnd({3, 2, 2, 5}), rnd({3, 2, 2, 5}), rnd({3, 2, 2, 5}), rnd({3}), rnd({3}), rnd({3})});
}

TEST(ShapeGrad, ReshapeSliceSumMean) {
  expect_gradients_match([](const std::vector<Var>& v) { return reshape(v[0], {5, -1}); }, {rnd({3, 5, 2})});
  expect_gradients_match([](const std::vector<Var>& v) { return slice(v[0], 3, 2, 3); }, {rnd({2, 3, 2, 7})});
  expect_gradients_match([](const std::vector<Var>& v) { return slice(v[0], 0, 1, 2); }, {rnd({4, 6})});
  expect_gradients_match([](const std::vector<Var>& v) { return sum(v[0]); }, {rnd({3, 4})});
  expect_gradients_match([](const std::vector<Var>& v) { return mean(v[0]); }, {rnd({2, 3, 5})});
}

TEST(DropoutGrad, FixedMaskIsLinear) {
  expect_gradients_match([](const std::vector<Var>& v) {
    Rng r(5);  // the same mask in every evaluation
    return dropout(v[0], 0.3f, true, r);
  }, {rnd({4, 9})});
}

TEST(LossGrad, CrossEntropyWithLabelSmoothing) {
  const std::vector<int32_t> labels{2, 0, 4};
  expect_gradients_match([&](const std::vector<Var>& v) { return cross_entropy(v[0], labels, 0.1f); }, {rnd({3, 5}, 3.f)});
  expect_gradients_match([&](const std::vector<Var>& v) { return cross_entropy(v[0], {1}, 0.f); }, {rnd({1, 7}, 3.f)});
}

TEST(LossGrad, KlDivergenceWithTemperatureBothInputs) {
  expect_gradients_match([](const std::vector<Var>& v) { return kl_div(v[0], v[1], 2.f); }, {rnd({3, 6}, 3.f), rnd({3, 6}, 3.f)});
  expect_gradients_match([](const std::vector<Var>& v) { return kl_div(v[0], v[1], 1.f); }, {rnd({1, 4}, 3.f), rnd({1, 4}, 3.f)});
}

TEST(LossGrad, MeanSquaredError) {
  expect_gradients_match([](const std::vector<Var>& v) { return mse(v[0], v[1]); }, {rnd({2, 3, 5}), rnd({2, 3, 5})});
}

TEST(CompositeGrad, InvertedResidualBlockWithSqueezeExcite) {
  // expansion -> BN -> h-swish -> depthwise 5x5 s2 -> SE gate -> projection, end to end.
  Tensor rm1 = Tensor::zeros({6}), rv1 = Tensor::full({6}, 1.f);
  BatchNormState bn{&rm1, &rv1, 0.1f, 1e-5f};
  expect_gradients_match([&](const std::vector<Var>& v) {
    Var h = hswish(batch_norm(pointwise_conv(v[0], v[1]), v[2], v[3], bn, true));
    Var d = depthwise_conv(h, v[4], 2);
    Var gate = hsigmoid(linear(relu(linear(global_avg_pool(d), v[5], v[6])), v[7], v[8]));
    return pointwise_conv(mul_channels(d, gate), v[9]);
  }, {rnd({2, 5, 5, 3}, 2.f), rnd({6, 3}), uniform({6}, 0.5f, 1.5f, rng()), rnd({6}), rnd({5, 5, 6}),
      rnd({2, 6}), rnd({2}), rnd({6, 2}), rnd({6}), rnd({4, 6})}, 1e-2f, 5e-2, 60);
}

}  // namespace
}  // namespace iqnas

namespace iqnas {
namespace {
TEST(RowsGrad, GatherAndMergeRows) {
  Rng r(11);
  expect_gradients_match([](const std::vector<Var>& v) { return gather_rows(v[0], {3, 0, 3, 1}); },
                         {uniform({4, 2, 3}, -1.f, 1.f, r)});
  expect_gradients_match([](const std::vector<Var>& v) { return merge_rows({v[0], v[1]}, {{2, 0}, {1, 3, 4}}, 5); },
                         {uniform({2, 3}, -1.f, 1.f, r), uniform({3, 3}, -1.f, 1.f, r)});
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
