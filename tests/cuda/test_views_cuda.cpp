// Tensor-level CUDA paths: non-contiguous views (slices on every dim, copies into views, fills),
// device-side fills, sum_all in double across blocks, and a clear error for every op whose
// operands sit on different devices. References: the same operations on the CPU.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/elementwise.h"
#include "nn/ops.h"
#include "tests/cuda/cuda_test_util.h"

namespace iqnas {
namespace {
using test::DevBuf;
using test::err;
using test::randn;

const Shape kShape{3, 5, 6, 7};

Tensor rand_tensor(const Shape& s, unsigned seed, Device d) {
  return Tensor::from_vector(s, randn(size_t(shape_numel(s)), seed), d);
}

TEST(CudaViews, SlicesOnEveryDimMatchTheCpu) {
  REQUIRE_GPU();
  const Tensor c = rand_tensor(kShape, 1, Device::CPU), g = c.to(Device::CUDA);
  for (int d = 0; d < 4; ++d)
    for (int64_t start : {0, 1}) {
      const Tensor cs = c.slice(d, start, 2), gs = g.slice(d, start, 2);
      EXPECT_EQ(gs.to_vector(), cs.to_vector()) << "dim " << d;                    // to(CPU) of a view
      EXPECT_EQ(gs.contiguous().to_vector(), cs.to_vector()) << "dim " << d;       // device gather
      EXPECT_EQ(gs.clone().to(Device::CPU).to_vector(), cs.to_vector()) << "dim " << d;
    }
  // A view of a view (two strided dims), and a single element.
  EXPECT_EQ(g.slice(1, 1, 3).slice(3, 2, 4).to_vector(), c.slice(1, 1, 3).slice(3, 2, 4).to_vector());
  EXPECT_EQ(g.slice(0, 2, 1).slice(1, 4, 1).slice(2, 5, 1).slice(3, 6, 1).item(),
            c.slice(0, 2, 1).slice(1, 4, 1).slice(2, 5, 1).slice(3, 6, 1).item());
}

TEST(CudaViews, CopiesIntoViewsAndFillsMatchTheCpu) {
  REQUIRE_GPU();
  for (int d = 0; d < 4; ++d) {
    Shape part = kShape;
    part[size_t(d)] = 2;
    const Tensor src = rand_tensor(part, 10 + d, Device::CPU);
    Tensor c = rand_tensor(kShape, 2, Device::CPU), g = c.to(Device::CUDA), h = c.to(Device::CUDA);
    c.slice(d, 1, 2).copy_(src);
    g.slice(d, 1, 2).copy_(src.to(Device::CUDA));  // device -> device view (scatter)
    h.slice(d, 1, 2).copy_(src);                   // host -> device view
    EXPECT_EQ(g.to_vector(), c.to_vector()) << "dim " << d;
    EXPECT_EQ(h.to_vector(), c.to_vector()) << "dim " << d;
    Tensor back = Tensor::zeros(kShape, Device::CPU), want = Tensor::zeros(kShape, Device::CPU);
    back.slice(d, 1, 2).copy_(g.slice(d, 1, 2));  // device view -> host view
    want.slice(d, 1, 2).copy_(c.slice(d, 1, 2));
    EXPECT_EQ(back.to_vector(), want.to_vector()) << "dim " << d;
    c.slice(d, 0, 1).fill_(2.5f);
    g.slice(d, 0, 1).fill_(2.5f);
    c.slice(d, 1, 1).zero_();
    g.slice(d, 1, 1).zero_();
    EXPECT_EQ(g.to_vector(), c.to_vector()) << "fill, dim " << d;
  }
}

TEST(CudaViews, FullAndZerosOnTheDevice) {
  REQUIRE_GPU();
  for (float v : {0.f, -0.f, 1.5f}) {
    const std::vector<float> got = Tensor::full({3, 70, 11}, v, Device::CUDA).to_vector();
    ASSERT_EQ(got.size(), 3u * 70 * 11);
    for (float x : got) ASSERT_EQ(x, v);
  }
  EXPECT_EQ(Tensor::scalar(4.f, Device::CUDA).item(), 4.f);
  EXPECT_EQ(Tensor::zeros({0, 3}, Device::CUDA).numel(), 0);
}

TEST(CudaViews, SliceOpGradientsOnDims1To3) {
  REQUIRE_GPU();
  for (int d = 1; d < 4; ++d) {
    std::vector<std::vector<float>> out;
    for (Device dev : {Device::CPU, Device::CUDA}) {
      Var x(rand_tensor(kShape, 3, dev), true);
      Var y = slice(x, d, 1, 3);
      sum(mul(y, Var(rand_tensor(y.shape(), 4, dev)))).backward();
      out.push_back(y.value().to_vector());
      out.push_back(x.grad().to_vector());
    }
    EXPECT_EQ(out[2], out[0]) << "value, dim " << d;
    EXPECT_LT(err(out[3], out[1]), 1e-6) << "gradient, dim " << d;
  }
}

// ---- sum_all --------------------------------------------------------------------------------
TEST(CudaSum, AccumulatesInDouble) {
  REQUIRE_GPU();
  // Float accumulation loses the ones next to 1e8 (its spacing there is 8); double keeps them all.
  const size_t n = size_t(1) << 16;
  std::vector<float> x(n, 1.f);
  x[0] = 1e8f;
  x[n - 1] = -1e8f;
  DevBuf<float> dx(x), out(1);
  cuda::sum_all(dx.get(), out.get(), int64_t(n));
  EXPECT_EQ(out.host()[0], float(n - 2));
}

TEST(CudaSum, ManyBlocksMatchADoubleReference) {
  REQUIRE_GPU();
  for (size_t n : {size_t(1), size_t(255), size_t(257), size_t(70001)}) {
    const auto x = randn(n, 7, 1.f, 0.25f);
    double ref = 0;
    for (float v : x) ref += v;
    DevBuf<float> dx(x), out(1);
    cuda::sum_all(dx.get(), out.get(), int64_t(n));
    EXPECT_NEAR(out.host()[0], ref, 1e-6 * (1 + std::abs(ref))) << n;
  }
}

// More elements than the largest 1-D grid covers (524 280 blocks of 256): the grid-stride loops
// run twice. The emulation reaches the same loops with its grid capped (cuda_emu_small_device).
TEST(CudaLarge, GridStrideLoopsAndALongSum) {
  REQUIRE_GPU();
#ifdef IQNAS_CUDA_EMULATION
  const size_t n = 5000;
#else
  const size_t n = size_t(140) << 20;
#endif
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = float(int(i % 1001) - 500) * 0.01f;
  std::vector<float> y(n);
  cpu::act_forward(Act::HSwish, x.data(), y.data(), int64_t(n));
  DevBuf<float> dx(x), dy(n), ds(1);
  cuda::act_forward(Act::HSwish, dx.get(), dy.get(), int64_t(n));
  EXPECT_LT(err(dy.host(), y), 1e-6);
  double ref = 0;
  for (size_t i = 0; i < n / 14; ++i) ref += x[i];  // 10^7 elements on the GPU
  cuda::sum_all(dx.get(), ds.get(), int64_t(n / 14));
  EXPECT_NEAR(ds.host()[0], ref, 1e-6 * (1 + std::abs(ref)));
}

// ---- operands on different devices ----------------------------------------------------------
void expect_device_error(const char* what, const std::function<void()>& f) {
  try {
    f();
    ADD_FAILURE() << what << ": no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("different devices"), std::string::npos) << what << ": " << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": wrong error: " << e.what();
  }
}

TEST(CudaDevices, MixedOperandsAreAClearError) {
  REQUIRE_GPU();
  const int64_t C = 4;
  for (Device xd : {Device::CPU, Device::CUDA}) {
    const Device od = xd == Device::CPU ? Device::CUDA : Device::CPU;
    Var x(rand_tensor({2, 3, 3, C}, 1, xd), true);
    Var gamma(Tensor::full({C}, 1.f, xd), true), beta(Tensor::zeros({C}, xd), true);
    Tensor rm = Tensor::zeros({C}, xd), rv = Tensor::full({C}, 1.f, xd), orm = Tensor::zeros({C}, od);
    expect_device_error("batch_norm gamma", [&] { batch_norm(x, Var(Tensor::full({C}, 1.f, od)), beta, {&rm, &rv}, true); });
    expect_device_error("batch_norm beta", [&] { batch_norm(x, gamma, Var(Tensor::zeros({C}, od)), {&rm, &rv}, true); });
    expect_device_error("batch_norm running mean", [&] { batch_norm(x, gamma, beta, {&orm, &rv}, false); });
    Var x2(rand_tensor({5, 6}, 2, xd), true), w(rand_tensor({3, 6}, 3, xd), true);
    expect_device_error("linear bias", [&] { linear(x2, w, Var(Tensor::zeros({3}, od))); });
    expect_device_error("weighted_sum weight", [&] { weighted_sum({x2, x2}, {Var(Tensor::full({5}, 1.f, xd)), Var(Tensor::full({5}, 1.f, od))}); });
    expect_device_error("weighted_sum input", [&] { weighted_sum({x2, Var(rand_tensor({5, 6}, 2, od))}, {Var(Tensor::full({5}, 1.f, xd)), Var(Tensor::full({5}, 1.f, xd))}); });
    expect_device_error("kl_div teacher", [&] { kl_div(x2, Var(rand_tensor({5, 6}, 4, od))); });
    Var y = sum(mul(x2, x2));
    expect_device_error("backward seed", [&] { y.backward(Tensor::full({}, 1.f, od)); });
  }
}

}  // namespace
}  // namespace iqnas
