// nn level: every case of the op table on CUDA tensors against the same case on the CPU (value and
// all input gradients), and a small MobileNet-style network's forward + backward + SGD step.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "nn/layers.h"
#include "nn/ops.h"
#include "nn/optim.h"
#include "tests/cuda/cuda_test_util.h"
#include "tests/ops/op_cases.h"

namespace iqnas {
namespace {
using test::err;
using test::randn;

// Runs the case on leaves made from its inputs on device d, reduces the output against a fixed
// random weight (so every output element gets a distinct gradient), backpropagates, and returns the
// output followed by each input's gradient, all on the host.
std::vector<std::vector<float>> run(const test::OpCase& c, Device d) {
  std::vector<Var> vs;
  for (const Tensor& t : test::make_inputs(c)) vs.emplace_back(t.to(d), true);
  Var y = c.f(vs);
  const Tensor r = Tensor::from_vector(y.shape(), randn(size_t(y.value().numel()), 99), d);
  Var loss = sum(mul(y, Var(r)));
  loss.backward();
  std::vector<std::vector<float>> out{y.value().to_vector()};
  for (const Var& v : vs) out.push_back(v.grad().defined() ? v.grad().to_vector() : std::vector<float>{});
  return out;
}

class CudaOp : public ::testing::TestWithParam<test::OpCase> {};

// Every case of the op table (tests/ops/op_cases.cpp): value and every input gradient.
TEST_P(CudaOp, MatchesCpu) {
  REQUIRE_GPU();
  const test::OpCase& c = GetParam();
  const auto cpu = run(c, Device::CPU), gpu = run(c, Device::CUDA);
  ASSERT_EQ(cpu.size(), gpu.size());
  EXPECT_LT(err(gpu[0], cpu[0]), c.cuda_tol) << "value";
  for (size_t i = 1; i < cpu.size(); ++i) EXPECT_LT(err(gpu[i], cpu[i]), c.cuda_tol) << "gradient of input " << i - 1;
}

INSTANTIATE_TEST_SUITE_P(OpTable, CudaOp, ::testing::ValuesIn(test::op_cases()), test::op_case_name);

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
