// SGD values against hand-computed ones (PyTorch's torch.optim.SGD definition, dampening 0).
#include <gtest/gtest.h>

#include <cmath>

#include "nn/optim.h"
#include "tests/nn_train/train_util.h"

namespace iqnas {
namespace {

// One scalar parameter p0 = 1 with the gradients 0.5, -0.5, 1 at steps 1, 2, 3; lr = 0.5. All the
// values below are dyadic rationals, exact in float, worked out by hand in the comments.
std::vector<float> run3(SgdOptions o) {
  Var p(Tensor::from_vector({1}, {1.f}), true);
  SGD opt({{"p", p}}, o);
  std::vector<float> out;
  for (float g : {0.5f, -0.5f, 1.f}) {
    p.set_grad(Tensor::from_vector({1}, {g}));
    opt.step();
    out.push_back(p.value().item());
  }
  EXPECT_EQ(opt.steps(), 3);
  return out;
}

TEST(Sgd, Plain) {
  SgdOptions o;
  o.lr = 0.5f;
  o.momentum = 0.f;
  // p = 1 - .5*.5 = .75;  .75 + .25 = 1;  1 - .5 = .5
  EXPECT_EQ(run3(o), (std::vector<float>{0.75f, 1.f, 0.5f}));
}

TEST(Sgd, Momentum) {
  SgdOptions o;
  o.lr = 0.5f;
  o.momentum = 0.5f;
  // buf = .5 (first step: the gradient itself), p = 1 - .25 = .75
  // buf = .25 - .5 = -.25, p = .75 + .125 = .875
  // buf = -.125 + 1 = .875, p = .875 - .4375 = .4375
  EXPECT_EQ(run3(o), (std::vector<float>{0.75f, 0.875f, 0.4375f}));
}

TEST(Sgd, Nesterov) {
  SgdOptions o;
  o.lr = 0.5f;
  o.momentum = 0.5f;
  o.nesterov = true;
  // buf = .5, d = .5 + .25 = .75, p = 1 - .375 = .625
  // buf = -.25, d = -.5 - .125 = -.625, p = .625 + .3125 = .9375
  // buf = .875, d = 1 + .4375 = 1.4375, p = .9375 - .71875 = .21875
  EXPECT_EQ(run3(o), (std::vector<float>{0.625f, 0.9375f, 0.21875f}));
}

TEST(Sgd, MomentumWeightDecay) {
  SgdOptions o;
  o.lr = 0.5f;
  o.momentum = 0.5f;
  o.weight_decay = 0.25f;
  // g' = .5 + .25 = .75, buf = .75, p = 1 - .375 = .625
  // g' = -.5 + .15625 = -.34375, buf = .375 - .34375 = .03125, p = .625 - .015625 = .609375
  // g' = 1 + .15234375 = 1.15234375, buf = .015625 + 1.15234375 = 1.16796875,
  // p = .609375 - .583984375 = .025390625
  EXPECT_EQ(run3(o), (std::vector<float>{0.625f, 0.609375f, 0.025390625f}));
}

TEST(Sgd, NesterovWeightDecayRealisticValues) {
  // lr .1, momentum .9, wd 5e-5 on two elements, against a double-precision re-derivation.
  SgdOptions o;
  o.lr = 0.1f;
  o.momentum = 0.9f;
  o.nesterov = true;
  o.weight_decay = 5e-5f;
  Var p(Tensor::from_vector({2}, {0.3f, -1.7f}), true);
  SGD opt({{"p", p}}, o);
  double ref[2] = {0.3, -1.7}, buf[2] = {0, 0};
  const double grads[3][2] = {{0.2, -0.1}, {0.05, 0.3}, {-0.4, 0.0}};
  for (int s = 0; s < 3; ++s) {
    p.set_grad(Tensor::from_vector({2}, {float(grads[s][0]), float(grads[s][1])}));
    opt.step();
    for (int i = 0; i < 2; ++i) {
      const double g = grads[s][i] + 5e-5 * ref[i];
      buf[i] = s == 0 ? g : 0.9 * buf[i] + g;
      ref[i] -= 0.1 * (g + 0.9 * buf[i]);
    }
    EXPECT_NEAR(p.value().at({0}), ref[0], 1e-6);
    EXPECT_NEAR(p.value().at({1}), ref[1], 1e-6);
  }
}

TEST(Sgd, ParametersWithoutGradientAreSkipped) {
  SgdOptions o;
  o.lr = 0.5f;
  o.momentum = 0.5f;
  o.weight_decay = 0.25f;
  Var a(Tensor::from_vector({1}, {1.f}), true), b(Tensor::from_vector({1}, {2.f}), true);
  SGD opt({{"a", a}, {"b", b}}, o);
  a.set_grad(Tensor::from_vector({1}, {0.5f}));
  opt.step();
  EXPECT_EQ(b.value().item(), 2.f);  // no gradient: not even weight decay
  SgdState s = opt.state();
  ASSERT_EQ(s.momentum.size(), 1u);
  EXPECT_EQ(s.momentum[0].first, "a");
  // b's first gradient starts its buffer: buf = g' = 1 + .5 = 1.5, b = 2 - .75 = 1.25.
  b.set_grad(Tensor::from_vector({1}, {1.f}));
  opt.step();
  EXPECT_EQ(b.value().item(), 1.25f);
  EXPECT_EQ(opt.state().momentum.size(), 2u);
}

TEST(Sgd, NoDecayByShapeAndPredicate) {
  SgdOptions o;
  o.lr = 0.5f;
  o.momentum = 0.f;
  o.weight_decay = 0.25f;
  o.no_decay_1d = true;
  test::Net net;
  SGD opt(net.named_parameters(), o);
  EXPECT_TRUE(opt.decays("stem.weight"));
  EXPECT_FALSE(opt.decays("stem.bias"));
  const float w0 = net.stem->weight.value().at({0, 0}), b0 = net.stem->bias.value().at({1});
  for (auto& p : net.parameters()) p.set_grad(Tensor::zeros(p.shape()));
  opt.step();
  EXPECT_EQ(net.stem->weight.value().at({0, 0}), w0 * (1.f - 0.5f * 0.25f));
  EXPECT_EQ(net.stem->bias.value().at({1}), b0);

  SgdOptions o2 = o;
  o2.no_decay_1d = false;
  o2.no_decay = [](const std::string& name, const Var&) { return name.rfind("head.", 0) == 0; };
  SGD opt2(net.named_parameters(), o2);
  EXPECT_TRUE(opt2.decays("stem.bias"));
  EXPECT_FALSE(opt2.decays("head.weight"));
  EXPECT_THROW(opt2.decays("nope"), std::invalid_argument);
}

TEST(Sgd, SetLrTakesEffect) {
  SgdOptions o;
  o.lr = 0.5f;
  o.momentum = 0.f;
  Var p(Tensor::from_vector({1}, {1.f}), true);
  SGD opt({{"p", p}}, o);
  opt.set_lr(0.25f);
  EXPECT_EQ(opt.lr(), 0.25f);
  p.set_grad(Tensor::from_vector({1}, {1.f}));
  opt.step();
  EXPECT_EQ(p.value().item(), 0.75f);
  EXPECT_THROW(opt.set_lr(-1.f), std::invalid_argument);
  EXPECT_THROW(opt.set_lr(NAN), std::invalid_argument);
}

TEST(Sgd, RejectsBadOptionsAndGradients) {
  Var p(Tensor::from_vector({2}, {1.f, 2.f}), true);
  SgdOptions o;
  o.momentum = 0.f;
  o.nesterov = true;
  EXPECT_THROW(SGD({{"p", p}}, o), std::invalid_argument);
  o.nesterov = false;
  o.weight_decay = -1.f;
  EXPECT_THROW(SGD({{"p", p}}, o), std::invalid_argument);
  EXPECT_THROW(SGD({{"p", p}, {"p", p}}, SgdOptions{}), std::invalid_argument);
  SGD opt({{"p", p}}, SgdOptions{});
  p.set_grad(Tensor::zeros({3}));
  try {
    opt.step();
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'p'"), std::string::npos) << e.what();
  }
}

TEST(Sgd, ZeroGradDropsGradients) {
  test::Net net;
  SGD opt(net.named_parameters(), SgdOptions{});
  test::fake_grads(net, 0);
  opt.zero_grad();
  for (auto& p : net.parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(Sgd, StateRoundTripResumesBitExactly) {
  SgdOptions o;
  o.lr = 0.1f;
  o.momentum = 0.9f;
  o.nesterov = true;
  o.weight_decay = 1e-4f;
  test::Net a, b(4, 7.f);
  SGD oa(a.named_parameters(), o), ob(b.named_parameters(), o);
  for (int s = 0; s < 2; ++s) {
    test::fake_grads(a, s);
    oa.step();
  }
  // Copy a's parameters and optimiser state into b, then run both one more step.
  auto pa = a.named_parameters(), pb = b.named_parameters();
  for (size_t i = 0; i < pa.size(); ++i) pb[i].second.value().copy_(pa[i].second.value());
  ob.load_state(oa.state());
  EXPECT_EQ(ob.steps(), 2);
  test::fake_grads(a, 2);
  test::fake_grads(b, 2);
  oa.step();
  ob.step();
  for (size_t i = 0; i < pa.size(); ++i)
    EXPECT_TRUE(test::bit_equal(pa[i].second.value(), pb[i].second.value())) << pa[i].first;
}

TEST(Sgd, LoadStateValidatesBeforeChanging) {
  test::Net net;
  SGD opt(net.named_parameters(), SgdOptions{});
  test::fake_grads(net, 0);
  opt.step();
  const SgdState before = opt.state();
  SgdState bad = before;
  bad.steps = 9;
  bad.momentum.emplace_back("nope", Tensor::zeros({1}));
  EXPECT_THROW(opt.load_state(bad), std::invalid_argument);
  bad = before;
  bad.momentum[0].second = Tensor::zeros({1, 1});
  EXPECT_THROW(opt.load_state(bad), std::invalid_argument);
  EXPECT_EQ(opt.steps(), 1);
  const SgdState after = opt.state();
  ASSERT_EQ(after.momentum.size(), before.momentum.size());
  for (size_t i = 0; i < after.momentum.size(); ++i)
    EXPECT_TRUE(test::bit_equal(after.momentum[i].second, before.momentum[i].second));
}

}  // namespace
}  // namespace iqnas
