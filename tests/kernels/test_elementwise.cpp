// Elementwise and broadcast kernels against the reference kernels (tests/kernels/reference/), at
// odd sizes and at sizes past the kernels' parallel threshold.
#include <cmath>
#include <limits>

#include "kernel_test_util.h"
#include "kernels/elementwise.h"
#include "tests/kernels/reference/reference.h"

namespace iqnas::test {
namespace {

using Floats = std::vector<float>;

TEST(Elementwise, ActivationsAndTheirGradients) {
  for (Act a : {Act::ReLU, Act::HSwish, Act::HSigmoid, Act::Sigmoid})
    for (int64_t n : {1, 37, 100003}) {
      SCOPED_TRACE(::testing::Message() << act_name(a) << " n=" << n);
      // x spans both sides of +-3, the hard functions' kinks.
      const Floats x = randn(static_cast<size_t>(n), 11, 4.f), gy = randn(static_cast<size_t>(n), 12);
      Floats y(static_cast<size_t>(n), 7.f), gx(static_cast<size_t>(n), 7.f);
      cpu::act_forward(a, x.data(), y.data(), n);
      cpu::act_backward(a, x.data(), gy.data(), gx.data(), n);
      EXPECT_LT(rel_err(y, ref::act_forward(a, x)), 1e-6);
      EXPECT_LT(rel_err(gx, ref::act_backward(a, x, gy)), 1e-6);
    }
}

TEST(Elementwise, GradientsAtTheKinksArePyTorchs) {
  const Floats x = {-3.f, 0.f, 3.f}, gy = {1.f, 1.f, 1.f};
  for (Act a : {Act::ReLU, Act::HSwish, Act::HSigmoid}) {
    Floats gx(3);
    cpu::act_backward(a, x.data(), gy.data(), gx.data(), 3);
    EXPECT_LT(rel_err(gx, ref::act_backward(a, x, gy)), 1e-7) << act_name(a);  // 1/6 in float
  }
  EXPECT_EQ(ref::act_derivative(Act::HSwish, -3.0), -0.5);
  EXPECT_EQ(ref::act_derivative(Act::HSwish, 3.0), 1.5);
}

TEST(Elementwise, AddMulAxpby) {
  for (int64_t n : {5, 70001}) {
    const Floats a = randn(static_cast<size_t>(n), 21), b = randn(static_cast<size_t>(n), 22);
    Floats y(static_cast<size_t>(n));
    cpu::add(a.data(), b.data(), y.data(), n);
    EXPECT_LT(rel_err(y, ref::add(a, b)), 1e-6);
    cpu::mul(a.data(), b.data(), y.data(), n);
    EXPECT_LT(rel_err(y, ref::mul(a, b)), 1e-6);
    Floats acc = b;
    cpu::axpby(0.5f, a.data(), -2.f, acc.data(), n);
    EXPECT_LT(rel_err(acc, ref::axpby(0.5, a, -2.0, b)), 1e-6);
    // beta == 0 assigns: garbage in y (NaN) does not leak into the result.
    const Floats garbage(static_cast<size_t>(n), std::numeric_limits<float>::quiet_NaN());
    Floats assigned = garbage;
    cpu::axpby(1.5f, a.data(), 0.f, assigned.data(), n);
    EXPECT_LT(rel_err(assigned, ref::axpby(1.5, a, 0.0, garbage)), 1e-6);
  }
}

TEST(Elementwise, ChannelGatesRowsColumnsAndBias) {
  for (auto [N, S, C] : {std::array<int64_t, 3>{1, 1, 1}, {3, 7, 33}, {2, 1000, 40}}) {
    SCOPED_TRACE(::testing::Message() << N << "x" << S << "x" << C);
    const size_t n = static_cast<size_t>(N * S * C);
    const Floats x = randn(n, 31), gy = randn(n, 32), g = randn(static_cast<size_t>(N * C), 33),
                 w = randn(static_cast<size_t>(N), 34), bias = randn(static_cast<size_t>(C), 35);
    Floats y(n), gg(static_cast<size_t>(N * C)), dots(static_cast<size_t>(N)), cols(static_cast<size_t>(C));
    cpu::mul_channels(x.data(), g.data(), y.data(), N, S, C);
    EXPECT_LT(rel_err(y, ref::mul_channels(x, g, N, S, C)), 1e-6);
    cpu::mul_channels_grad_gate(x.data(), gy.data(), gg.data(), N, S, C);
    EXPECT_LT(rel_err(gg, ref::mul_channels_grad_gate(x, gy, N, S, C)), 1e-5);
    cpu::scale_rows(w.data(), x.data(), y.data(), N, S * C, false);
    EXPECT_LT(rel_err(y, ref::scale_rows(w, x, gy, N, S * C, false)), 1e-6);
    Floats acc = gy;
    cpu::scale_rows(w.data(), x.data(), acc.data(), N, S * C, true);
    EXPECT_LT(rel_err(acc, ref::scale_rows(w, x, gy, N, S * C, true)), 1e-6);
    cpu::dot_rows(x.data(), gy.data(), dots.data(), N, S * C);
    EXPECT_LT(rel_err(dots, ref::dot_rows(x, gy, N, S * C)), 1e-5);
    cpu::sum_columns(x.data(), cols.data(), N * S, C);
    EXPECT_LT(rel_err(cols, ref::sum_columns(x, N * S, C)), 1e-5);
    Floats biased = x;
    cpu::add_bias(biased.data(), bias.data(), N * S, C);
    EXPECT_LT(rel_err(biased, ref::add_bias(x, bias, N * S, C)), 1e-6);
  }
}

TEST(Elementwise, AveragePoolingSumAndBroadcast) {
  const int64_t N = 3, S = 49, C = 17;
  const Floats x = randn(static_cast<size_t>(N * S * C), 41, 1.f, 0.5f), gy = randn(static_cast<size_t>(N * C), 42);
  Floats y(static_cast<size_t>(N * C)), gx(x.size(), 7.f), total(1), b(5);
  cpu::avgpool_forward(x.data(), y.data(), N, S, C);
  EXPECT_LT(rel_err(y, ref::avgpool_forward(x, N, S, C)), 1e-6);
  cpu::avgpool_backward(gy.data(), gx.data(), N, S, C);
  EXPECT_LT(rel_err(gx, ref::avgpool_backward(gy, N, S, C)), 1e-6);
  cpu::sum_all(x.data(), total.data(), int64_t(x.size()));
  EXPECT_LT(rel_err(total, {ref::sum_all(x)}), 1e-6);
  cpu::broadcast_scalar(total.data(), b.data(), 5);
  EXPECT_EQ(b, Floats(5, total[0]));
}

}  // namespace
}  // namespace iqnas::test
