// nn level: every differentiable op on CUDA tensors against the same op on the CPU (value and all
// input gradients), and a small MobileNet-style network's forward + backward + SGD step.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "nn/layers.h"
#include "nn/ops.h"
#include "nn/optim.h"
#include "tests/cuda/cuda_test_util.h"

namespace iqnas {
namespace {
using test::err;
using test::randn;

constexpr double kTol = 1e-4;

struct Input {
  Shape shape;
  std::vector<float> data;
};

Input rnd(Shape s, unsigned seed, float scale = 1.f, float shift = 0.f) {
  return {s, randn(size_t(shape_numel(s)), seed, scale, shift)};
}

// Runs f on leaves made from `in` on device d, reduces the output against a fixed random weight
// (so every output element gets a distinct gradient), backpropagates, and returns the output
// followed by each input's gradient, all on the host.
std::vector<std::vector<float>> run(const std::function<Var(const std::vector<Var>&)>& f, const std::vector<Input>& in,
                                    Device d) {
  std::vector<Var> vs;
  for (const Input& i : in) vs.emplace_back(Tensor::from_vector(i.shape, i.data, d), true);
  Var y = f(vs);
  const Tensor r = Tensor::from_vector(y.shape(), randn(size_t(y.value().numel()), 99), d);
  Var loss = sum(mul(y, Var(r)));
  loss.backward();
  std::vector<std::vector<float>> out{y.value().to_vector()};
  for (const Var& v : vs) out.push_back(v.grad().defined() ? v.grad().to_vector() : std::vector<float>{});
  return out;
}

void compare(const std::string& what, const std::function<Var(const std::vector<Var>&)>& f,
             const std::vector<Input>& in, double tol = kTol) {
  const auto c = run(f, in, Device::CPU), g = run(f, in, Device::CUDA);
  ASSERT_EQ(c.size(), g.size());
  EXPECT_LT(err(g[0], c[0]), tol) << what << ": value";
  for (size_t i = 1; i < c.size(); ++i) EXPECT_LT(err(g[i], c[i]), tol) << what << ": gradient of input " << i - 1;
}

TEST(CudaOps, Convolutions) {
  REQUIRE_GPU();
  compare("pointwise_conv", [](const std::vector<Var>& v) { return pointwise_conv(v[0], v[1]); },
          {rnd({2, 5, 7, 12}, 1), rnd({20, 12}, 2, 0.3f)});
  compare("conv2d stem", [](const std::vector<Var>& v) { return conv2d(v[0], v[1], 2, 1); },
          {rnd({2, 15, 13, 3}, 3), rnd({8, 3, 3, 3}, 4, 0.3f)});
  compare("depthwise k3 s1", [](const std::vector<Var>& v) { return depthwise_conv(v[0], v[1], 1); },
          {rnd({2, 9, 9, 24}, 5), rnd({3, 3, 24}, 6, 0.3f)});
  compare("depthwise k5 s2", [](const std::vector<Var>& v) { return depthwise_conv(v[0], v[1], 2); },
          {rnd({1, 10, 11, 13}, 7), rnd({5, 5, 13}, 8, 0.3f)});
  compare("linear", [](const std::vector<Var>& v) { return linear(v[0], v[1], v[2]); },
          {rnd({6, 17}, 9), rnd({10, 17}, 10, 0.3f), rnd({10}, 11)});
}

TEST(CudaOps, BatchNormTrainAndEval) {
  REQUIRE_GPU();
  for (bool training : {true, false}) {
    const int64_t C = 12;
    auto f = [training](const std::vector<Var>& v) {
      // Fresh running statistics on the input's device for each run.
      static Tensor rm, rv;
      rm = Tensor::from_vector({C}, randn(size_t(C), 21, 0.1f), v[0].device());
      rv = Tensor::from_vector({C}, randn(size_t(C), 22, 0.1f, 1.f), v[0].device());
      BatchNormState s{&rm, &rv, 0.1f, 1e-5f};
      return batch_norm(v[0], v[1], v[2], s, training);
    };
    compare(training ? "batch_norm train" : "batch_norm eval", f,
            {rnd({3, 5, 4, C}, 23, 2.f, 1.f), rnd({C}, 24, 0.5f, 1.f), rnd({C}, 25)});
  }
}

TEST(CudaOps, ActivationsPoolingAndSe) {
  REQUIRE_GPU();
  for (Act a : {Act::ReLU, Act::HSwish, Act::HSigmoid, Act::Sigmoid})
    compare(std::string("activation ") + act_name(a), [a](const std::vector<Var>& v) { return activation(v[0], a); },
            {rnd({4, 33}, 31, 3.f)});
  compare("global_avg_pool", [](const std::vector<Var>& v) { return global_avg_pool(v[0]); }, {rnd({2, 5, 6, 10}, 32)});
  compare("mul_channels (SE gate)", [](const std::vector<Var>& v) { return mul_channels(v[0], v[1]); },
          {rnd({2, 5, 6, 10}, 33), rnd({2, 10}, 34)});
  compare("weighted_sum", [](const std::vector<Var>& v) { return weighted_sum({v[0], v[1]}, {v[2], v[3]}); },
          {rnd({3, 2, 2, 4}, 35), rnd({3, 2, 2, 4}, 36), rnd({3}, 37), rnd({3}, 38)});
}

TEST(CudaOps, Losses) {
  REQUIRE_GPU();
  const std::vector<int32_t> labels = {3, 0, 9, 9, 5};
  compare("cross_entropy", [&](const std::vector<Var>& v) { return cross_entropy(v[0], labels, 0.1f); },
          {rnd({5, 10}, 41, 2.f)});
  compare("kl_div", [](const std::vector<Var>& v) { return kl_div(v[0], v[1], 3.f); },
          {rnd({4, 50}, 42, 2.f), rnd({4, 50}, 43, 2.f)});
}

TEST(CudaOps, GatherAndMergeRows) {
  REQUIRE_GPU();
  compare("gather_rows distinct", [](const std::vector<Var>& v) { return gather_rows(v[0], {3, 0, 4}); },
          {rnd({5, 2, 3}, 51)});
  compare("gather_rows repeated", [](const std::vector<Var>& v) { return gather_rows(v[0], {1, 1, 4, 1}); },
          {rnd({5, 2, 3}, 52)});
  compare("merge_rows",
          [](const std::vector<Var>& v) { return merge_rows({v[0], v[1]}, {{2, 0}, {1, 4, 3}}, 5); },
          {rnd({2, 6}, 53), rnd({3, 6}, 54)});
}

// A MobileNetV3-style network in miniature: stem, depthwise-separable block, inverted residual
// with SE and a stride-2 5x5 depthwise, head.
struct MiniNet : Layer {
  std::shared_ptr<Conv2d> stem;
  std::shared_ptr<BatchNorm> bn0, bn1, bn2, bn3, bn4, bn5;
  std::shared_ptr<DepthwiseConv> dw1, dw2;
  std::shared_ptr<PointwiseConv> pw1, exp2, prj2;
  std::shared_ptr<Linear> se_r, se_e, fc;
  explicit MiniNet(Rng& rng) {
    stem = register_module("stem", std::make_shared<Conv2d>(3, 8, 3, 2, 1, rng));
    bn0 = register_module("bn0", std::make_shared<BatchNorm>(8));
    dw1 = register_module("dw1", std::make_shared<DepthwiseConv>(8, 3, 1, rng));
    bn1 = register_module("bn1", std::make_shared<BatchNorm>(8));
    pw1 = register_module("pw1", std::make_shared<PointwiseConv>(8, 12, rng));
    bn2 = register_module("bn2", std::make_shared<BatchNorm>(12));
    exp2 = register_module("exp2", std::make_shared<PointwiseConv>(12, 36, rng));
    bn3 = register_module("bn3", std::make_shared<BatchNorm>(36));
    dw2 = register_module("dw2", std::make_shared<DepthwiseConv>(36, 5, 2, rng));
    bn4 = register_module("bn4", std::make_shared<BatchNorm>(36));
    se_r = register_module("se_r", std::make_shared<Linear>(36, 12, true, rng));
    se_e = register_module("se_e", std::make_shared<Linear>(12, 36, true, rng));
    prj2 = register_module("prj2", std::make_shared<PointwiseConv>(36, 16, rng));
    bn5 = register_module("bn5", std::make_shared<BatchNorm>(16));
    fc = register_module("fc", std::make_shared<Linear>(16, 10, true, rng));
  }
  Var forward(const Var& x0) override {
    Var x = hswish(bn0->forward(stem->forward(x0)));
    x = relu(bn1->forward(dw1->forward(x)));
    x = bn2->forward(pw1->forward(x));
    Var h = hswish(bn3->forward(exp2->forward(x)));
    h = hswish(bn4->forward(dw2->forward(h)));
    Var g = hsigmoid(se_e->forward(relu(se_r->forward(global_avg_pool(h)))));
    h = mul_channels(h, g);
    x = bn5->forward(prj2->forward(h));
    return fc->forward(global_avg_pool(x));
  }
};

TEST(CudaNet, ForwardBackwardSgdStepMatchesCpu) {
  REQUIRE_GPU();
  Rng r1(7), r2(7);
  MiniNet cpu_net(r1), gpu_net(r2);
  gpu_net.to(Device::CUDA);
  SgdOptions o;
  o.lr = 0.1f, o.momentum = 0.9f, o.nesterov = true, o.weight_decay = 1e-4f;
  SGD oc(cpu_net.named_parameters(), o), og(gpu_net.named_parameters(), o);
  const std::vector<int32_t> labels = {1, 7, 3, 3};
  const auto img = randn(4 * 16 * 16 * 3, 81);
  for (int step = 0; step < 2; ++step) {
    float lc = 0, lg = 0;
    for (auto [net, opt, dev, out] : {std::make_tuple(&cpu_net, &oc, Device::CPU, &lc),
                                      std::make_tuple(&gpu_net, &og, Device::CUDA, &lg)}) {
      net->zero_grad();
      Var x(Tensor::from_vector({4, 16, 16, 3}, img, dev));
      Var loss = cross_entropy(net->forward(x), labels, 0.1f);
      *out = loss.value().item();
      loss.backward();
      opt->step();
    }
    EXPECT_NEAR(lg, lc, 1e-4 * (1 + std::abs(lc))) << "loss at step " << step;
  }
  const auto pc = cpu_net.named_parameters(), pg = gpu_net.named_parameters();
  ASSERT_EQ(pc.size(), pg.size());
  for (size_t i = 0; i < pc.size(); ++i) {
    EXPECT_EQ(pg[i].second.device(), Device::CUDA);
    EXPECT_LT(err(pg[i].second.value().to_vector(), pc[i].second.value().to_vector()), 1e-4) << pc[i].first;
  }
  auto bc = cpu_net.named_buffers(), bg = gpu_net.named_buffers();
  ASSERT_EQ(bc.size(), bg.size());
  for (size_t i = 0; i < bc.size(); ++i)
    EXPECT_LT(err(bg[i].second->to_vector(), bc[i].second->to_vector()), 1e-4) << bc[i].first;
}

}  // namespace
}  // namespace iqnas
