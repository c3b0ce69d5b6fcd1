// CUDA twins of the optimiser and EMA, and checkpoints of CUDA modules. Skipped without a device.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include "nn/checkpoint.h"
#include "tests/cuda/cuda_test_util.h"  // REQUIRE_GPU
#include "tests/nn_train/train_util.h"

namespace iqnas {
namespace {

void expect_near(Module& a, Module& b, double tol) {
  const auto x = test::snapshot(a), y = test::snapshot(b);
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i)
    for (size_t j = 0; j < x[i].size(); ++j) EXPECT_NEAR(x[i][j], y[i][j], tol) << i << "," << j;
}

TEST(TrainGpu, SgdAndEmaMatchTheCpu) {
  REQUIRE_GPU();
  SgdOptions o;
  o.lr = 0.1f;
  o.momentum = 0.9f;
  o.nesterov = true;
  o.weight_decay = 1e-3f;
  test::Net cpu, gpu;
  gpu.to(Device::CUDA);
  SGD oc(cpu.named_parameters(), o), og(gpu.named_parameters(), o);
  ModelEma ec(cpu, 0.9f, true), eg(gpu, 0.9f, true);
  for (int s = 0; s < 5; ++s) {
    test::fake_grads(cpu, s);
    test::fake_grads(gpu, s);
    oc.step();
    og.step();
    ec.update(cpu);
    eg.update(gpu);
  }
  expect_near(cpu, gpu, 1e-5);  // FMA contraction may differ between the twins
  for (size_t i = 0; i < ec.tensors().size(); ++i) {
    EXPECT_EQ(eg.tensors()[i].second.device(), Device::CUDA);
    const auto a = ec.tensors()[i].second.to_vector(), b = eg.tensors()[i].second.to_vector();
    for (size_t j = 0; j < a.size(); ++j) EXPECT_NEAR(a[j], b[j], 1e-5);
  }
}

TEST(TrainGpu, CheckpointOfACudaModuleRoundTrips) {
  REQUIRE_GPU();
  const std::string p = testing::TempDir() + "iqnas_gpu_ckpt_" + std::to_string(::getpid()) + ".safetensors";
  test::Net a;
  a.to(Device::CUDA);
  SGD oa(a.named_parameters(), SgdOptions{});
  ModelEma ea(a, 0.9f);
  test::fake_grads(a, 0);
  oa.step();
  ea.update(a);
  save_checkpoint(p, a, {}, &oa, &ea);
  test::Net b(4, 3.f);  // loads onto the CPU
  load_checkpoint(p, b);
  EXPECT_TRUE(test::same_bits(test::snapshot(a), test::snapshot(b)));
  test::Net c(4, 5.f);  // and onto the GPU, with optimiser and EMA state
  c.to(Device::CUDA);
  SGD oc(c.named_parameters(), SgdOptions{});
  ModelEma ec(c, 0.9f);
  load_checkpoint(p, c, &oc, &ec);
  EXPECT_EQ(c.stem->weight.device(), Device::CUDA);
  EXPECT_TRUE(test::same_bits(test::snapshot(a), test::snapshot(c)));
  for (auto& [n, t] : oc.state().momentum) EXPECT_EQ(t.device(), Device::CUDA) << n;
  test::fake_grads(a, 1);
  test::fake_grads(c, 1);
  oa.step();
  oc.step();
  EXPECT_TRUE(test::same_bits(test::snapshot(a), test::snapshot(c)));  // same kernels: bit-exact
  std::filesystem::remove(p);
}

}  // namespace
}  // namespace iqnas
