// Depthwise convolution kernels against the reference kernels (tests/kernels/reference/), plus
// finite differences.
#include "kernel_test_util.h"
#include "kernels/depthwise.h"
#include "tests/kernels/reference/reference.h"

namespace iqnas::test {
namespace {

struct DwCase {
  int N, H, W, C, K, stride, pad;
};

void check_depthwise(const DwCase& c) {
  DwConvArgs a;
  a.N = c.N, a.H = c.H, a.W = c.W, a.C = c.C, a.K = c.K, a.stride = c.stride, a.pad = c.pad;
  SCOPED_TRACE(::testing::Message() << "N=" << a.N << " H=" << a.H << " W=" << a.W << " C=" << a.C
                                    << " K=" << a.K << " s=" << a.stride << " p=" << a.pad);
  const int Ho = a.Ho(), Wo = a.Wo(), C = a.C, K = a.K;
  const std::size_t xs = std::size_t(a.N) * a.H * a.W * C, ys = std::size_t(a.N) * Ho * Wo * C,
                    wsz = std::size_t(K) * K * C;
  auto x = randn(xs, 31), w = randn(wsz, 32, 0.5f), gy = randn(ys, 33);
  // Outputs start as garbage: the kernels overwrite them.
  std::vector<float> y(ys, 7.0f), gx(xs, 7.0f), gw(wsz, 7.0f);
  cpu::depthwise_forward(a, x.data(), w.data(), y.data());
  cpu::depthwise_backward_data(a, gy.data(), w.data(), gx.data());
  cpu::depthwise_backward_weight(a, x.data(), gy.data(), gw.data());
  EXPECT_LT(rel_err(y, ref::depthwise_forward(a, x, w)), 1e-5);
  EXPECT_LT(rel_err(gx, ref::depthwise_backward_data(a, gy, w)), 1e-5);
  EXPECT_LT(rel_err(gw, ref::depthwise_backward_weight(a, x, gy)), 1e-5);

  auto loss = [&](const std::vector<float>& xx, const std::vector<float>& ww) {
    std::vector<float> yy(ys);
    cpu::depthwise_forward(a, xx.data(), ww.data(), yy.data());
    return dot(gy, yy);
  };
  auto dx = randn(xs, 34), dw = randn(wsz, 35);
  expect_directional([&](const std::vector<float>& xx) { return loss(xx, w); }, x, dx, gx, 1e-2f, 1e-3,
                     "depthwise gx");
  expect_directional([&](const std::vector<float>& ww) { return loss(x, ww); }, w, dw, gw, 1e-2f, 1e-3,
                     "depthwise gw");
}

// Odd sizes: C = 13 (one partial vector), 37 (full vectors plus a partial one), 16 and 48 (exact);
// widths up to 23 so that the 8-wide register blocks, the 4- and 1-wide remainders and the border
// paths all run.
TEST(Depthwise, K3Stride1) {
  check_depthwise({1, 7, 5, 13, 3, 1, 1});
  check_depthwise({2, 9, 23, 37, 3, 1, 1});
  check_depthwise({1, 4, 19, 16, 3, 1, 1});
}
TEST(Depthwise, K3Stride2) {
  check_depthwise({1, 7, 5, 13, 3, 2, 1});
  check_depthwise({2, 8, 22, 37, 3, 2, 1});
  check_depthwise({1, 9, 23, 48, 3, 2, 1});
}
TEST(Depthwise, K5Stride1) {
  check_depthwise({1, 7, 5, 13, 5, 1, 2});
  check_depthwise({2, 6, 23, 37, 5, 1, 2});
  check_depthwise({1, 3, 3, 16, 5, 1, 2});  // every output is a border output
}
TEST(Depthwise, K5Stride2) {
  check_depthwise({1, 7, 5, 13, 5, 2, 2});
  check_depthwise({2, 8, 21, 37, 5, 2, 2});
  check_depthwise({1, 4, 4, 48, 5, 2, 2});
}
TEST(Depthwise, PaddingVariants) {
  check_depthwise({1, 7, 5, 13, 3, 1, 0});
  check_depthwise({2, 7, 21, 19, 3, 2, 0});
  check_depthwise({1, 7, 5, 13, 5, 1, 0});
  check_depthwise({1, 9, 21, 13, 5, 2, 1});
  check_depthwise({1, 7, 5, 13, 3, 2, 2});
  check_depthwise({1, 7, 9, 13, 5, 1, 4});
}
TEST(Depthwise, Kernel7AndFallbacks) {
  check_depthwise({1, 9, 21, 13, 7, 1, 3});
  check_depthwise({1, 9, 21, 13, 7, 2, 3});
  check_depthwise({1, 7, 5, 13, 1, 1, 0});   // K = 1: plain forward, stride-1 phase path
  check_depthwise({1, 7, 8, 13, 3, 3, 1});   // stride 3: plain loops
  check_depthwise({1, 11, 12, 5, 9, 1, 4});  // K = 9: plain loops
}
TEST(Depthwise, SingleChannelAndTinyImage) {
  check_depthwise({3, 1, 1, 1, 3, 1, 1});
  check_depthwise({1, 2, 2, 3, 5, 2, 2});
}

}  // namespace
}  // namespace iqnas::test
