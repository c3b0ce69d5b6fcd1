// Weight EMA values against hand-computed ones.
#include <gtest/gtest.h>

#include "nn/ema.h"
#include "tests/nn_train/train_util.h"

namespace iqnas {
namespace {

struct Tiny : Module {
  Var p;
  Tensor* b;
  Tiny() {
    p = register_parameter("p", Tensor::from_vector({2}, {1.f, 2.f}));
    b = &register_buffer("b", Tensor::from_vector({1}, {5.f}));
  }
  void set(float p0, float p1, float b0) {
    p.value().at({0}) = p0;
    p.value().at({1}) = p1;
    b->at({0}) = b0;
  }
};

std::vector<float> ema_of(const ModelEma& e, const std::string& name) {
  for (const auto& [n, t] : e.tensors())
    if (n == name) return t.to_vector();
  ADD_FAILURE() << "no EMA tensor " << name;
  return {};
}

TEST(Ema, FixedDecay) {
  Tiny m;
  ModelEma ema(m, 0.5f);
  EXPECT_EQ(ema_of(ema, "p"), (std::vector<float>{1.f, 2.f}));  // starts as a copy
  m.set(3.f, 4.f, 7.f);
  ema.update(m);
  EXPECT_EQ(ema_of(ema, "p"), (std::vector<float>{2.f, 3.f}));  // .5*[1,2] + .5*[3,4]
  EXPECT_EQ(ema_of(ema, "b"), (std::vector<float>{7.f}));       // buffers are copied
  m.set(5.f, 6.f, 9.f);
  ema.update(m);
  EXPECT_EQ(ema_of(ema, "p"), (std::vector<float>{3.5f, 4.5f}));  // .5*[2,3] + .5*[5,6]
  EXPECT_EQ(ema_of(ema, "b"), (std::vector<float>{9.f}));
  EXPECT_EQ(ema.updates(), 2);
}

TEST(Ema, WarmupOfTheDecay) {
  Tiny m;
  ModelEma ema(m, 0.9f, true);
  EXPECT_FLOAT_EQ(ema.decay_at(0), 0.1f);         // (1 + 0) / (10 + 0)
  EXPECT_FLOAT_EQ(ema.decay_at(1), 2.f / 11.f);
  EXPECT_FLOAT_EQ(ema.decay_at(80), 0.9f);        // 81 / 90
  EXPECT_FLOAT_EQ(ema.decay_at(1000), 0.9f);      // capped by decay
  m.set(3.f, 4.f, 0.f);
  ema.update(m);  // d = .1: .1*[1,2] + .9*[3,4] = [2.8, 3.8]
  std::vector<float> v = ema_of(ema, "p");
  EXPECT_FLOAT_EQ(v[0], 2.8f);
  EXPECT_FLOAT_EQ(v[1], 3.8f);
  ema.update(m);  // d = 2/11: [2.8,3.8]*2/11 + [3,4]*9/11
  v = ema_of(ema, "p");
  EXPECT_NEAR(v[0], 2.8 * 2 / 11 + 3.0 * 9 / 11, 1e-6);
  EXPECT_NEAR(v[1], 3.8 * 2 / 11 + 4.0 * 9 / 11, 1e-6);
  ModelEma fixed(m, 0.9f);
  EXPECT_FLOAT_EQ(fixed.decay_at(0), 0.9f);
}

TEST(Ema, ApplyRestoreAndCopyTo) {
  Tiny m;
  ModelEma ema(m, 0.5f);
  m.set(3.f, 4.f, 7.f);
  ema.update(m);  // EMA: p = [2, 3], b = 7
  m.set(10.f, 20.f, 30.f);
  ema.apply(m);
  EXPECT_TRUE(ema.applied());
  EXPECT_EQ(m.p.value().to_vector(), (std::vector<float>{2.f, 3.f}));
  EXPECT_EQ(m.b->to_vector(), (std::vector<float>{7.f}));
  EXPECT_THROW(ema.apply(m), std::logic_error);
  ema.restore(m);
  EXPECT_EQ(m.p.value().to_vector(), (std::vector<float>{10.f, 20.f}));
  EXPECT_EQ(m.b->to_vector(), (std::vector<float>{30.f}));
  EXPECT_THROW(ema.restore(m), std::logic_error);

  Tiny other;
  ema.copy_to(other);
  EXPECT_EQ(other.p.value().to_vector(), (std::vector<float>{2.f, 3.f}));
  EXPECT_EQ(other.b->to_vector(), (std::vector<float>{7.f}));
}

TEST(Ema, RejectsADifferentModule) {
  Tiny m;
  ModelEma ema(m, 0.5f);
  test::Net net;
  EXPECT_THROW(ema.update(net), std::invalid_argument);
  EXPECT_THROW(ema.copy_to(net), std::invalid_argument);
  EXPECT_THROW(ModelEma(m, 1.5f), std::invalid_argument);
}

TEST(Ema, LoadStateValidates) {
  Tiny m;
  ModelEma ema(m, 0.5f);
  NamedTensors st = {{"p", Tensor::from_vector({2}, {8.f, 9.f})}, {"b", Tensor::from_vector({1}, {1.f})}};
  ema.load_state(st, 12);
  EXPECT_EQ(ema.updates(), 12);
  EXPECT_EQ(ema_of(ema, "p"), (std::vector<float>{8.f, 9.f}));
  NamedTensors bad = {{"p", Tensor::zeros({3})}, {"b", Tensor::zeros({1})}};
  EXPECT_THROW(ema.load_state(bad, 1), std::invalid_argument);
  bad = {{"p", Tensor::zeros({2})}, {"x", Tensor::zeros({1})}};
  EXPECT_THROW(ema.load_state(bad, 1), std::invalid_argument);
  EXPECT_EQ(ema.updates(), 12);
  EXPECT_EQ(ema_of(ema, "p"), (std::vector<float>{8.f, 9.f}));
}

}  // namespace
}  // namespace iqnas
