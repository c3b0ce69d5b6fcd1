// Batch norm kernels against the reference kernels (tests/kernels/reference/), plus finite
// differences of the backward.
#include "kernel_test_util.h"
#include "kernels/batchnorm.h"
#include "tests/kernels/reference/reference.h"

namespace iqnas::test {
namespace {

void check_bn(int64_t M, int64_t C, float shift, float scale) {
  SCOPED_TRACE(::testing::Message() << "M=" << M << " C=" << C << " shift=" << shift);
  BnArgs a;
  a.M = M, a.C = C;
  auto x = randn(M * C, 41, scale, shift), g = randn(C, 42, 0.5f, 1.0f), b = randn(C, 43),
       gy = randn(M * C, 44);
  const ref::BnForward r = ref::batchnorm_forward_train(a, x, g, b);
  std::vector<float> y(M * C, 7.0f), mean(C), invstd(C);
  cpu::batchnorm_forward_train(a, x.data(), g.data(), b.data(), y.data(), mean.data(), invstd.data());
  EXPECT_LT(rel_err(y, r.y), 1e-4);
  EXPECT_LT(rel_err(mean, r.mean), 1e-5);
  EXPECT_LT(rel_err(invstd, r.invstd), 1e-4);

  const ref::BnBackward rb = ref::batchnorm_backward(a, x, gy, g);
  std::vector<float> gx(M * C, 7.0f), gg(C, 7.0f), gb(C, 7.0f);
  cpu::batchnorm_backward(a, x.data(), gy.data(), g.data(), mean.data(), invstd.data(), gx.data(),
                          gg.data(), gb.data());
  EXPECT_LT(rel_err(gx, rb.gx), 1e-4);
  EXPECT_LT(rel_err(gg, rb.ggamma), 1e-4);
  EXPECT_LT(rel_err(gb, rb.gbeta), 1e-5);

  // gx may be null: the parameter gradients alone.
  std::vector<float> gg2(C), gb2(C);
  cpu::batchnorm_backward(a, x.data(), gy.data(), g.data(), mean.data(), invstd.data(), nullptr,
                          gg2.data(), gb2.data());
  EXPECT_EQ(gg2, gg);
  EXPECT_EQ(gb2, gb);

  // Finite differences of L = sum(gy * bn_train(x; gamma, beta)) through the float kernels.
  auto loss = [&](const std::vector<float>& xx, const std::vector<float>& gg_, const std::vector<float>& bb) {
    std::vector<float> yy(M * C), mm(C), ss(C);
    cpu::batchnorm_forward_train(a, xx.data(), gg_.data(), bb.data(), yy.data(), mm.data(), ss.data());
    return dot(gy, yy);
  };
  const float h = 1e-2f * scale;
  expect_directional([&](const std::vector<float>& xx) { return loss(xx, g, b); }, x,
                     randn(M * C, 45), gx, h, 2e-2, "bn gx");
  expect_directional([&](const std::vector<float>& v) { return loss(x, v, b); }, g, randn(C, 46), gg,
                     1e-2f, 1e-3, "bn ggamma");
  expect_directional([&](const std::vector<float>& v) { return loss(x, g, v); }, b, randn(C, 47), gb,
                     1e-2f, 1e-3, "bn gbeta");
}

TEST(BatchNorm, OddShapes) {
  check_bn(35, 13, 0.0f, 1.0f);   // N*H*W = 1*7*5
  check_bn(7, 37, 0.5f, 2.0f);
  check_bn(1000, 19, -1.0f, 0.5f);  // several row blocks
  check_bn(4096, 24, 0.3f, 1.0f);   // large enough to split among threads
}

TEST(BatchNorm, LargeMeanSmallSpread) {
  // One-pass statistics must stay accurate when |mean| >> std.
  check_bn(2048, 16, 100.0f, 0.1f);
}

TEST(BatchNorm, EvalAndRunningStats) {
  const int64_t M = 35, C = 13;
  BnArgs a;
  a.M = M, a.C = C;
  auto x = randn(M * C, 51), g = randn(C, 52), b = randn(C, 53);
  auto rm = randn(C, 54), rv0 = randn(C, 55);
  std::vector<float> rv(C);
  for (int64_t c = 0; c < C; ++c) rv[c] = 0.5f + rv0[c] * rv0[c];
  std::vector<float> y(M * C, 7.0f);
  cpu::batchnorm_forward_eval(a, x.data(), g.data(), b.data(), rm.data(), rv.data(), y.data());
  EXPECT_LT(rel_err(y, ref::batchnorm_forward_eval(a, x, g, b, rm, rv)), 1e-5);

  std::vector<float> yt(M * C), mean(C), invstd(C);
  cpu::batchnorm_forward_train(a, x.data(), g.data(), b.data(), yt.data(), mean.data(), invstd.data());
  const double mom = 0.1;
  const ref::BnRunning r = ref::batchnorm_update_running(a, mom, x, rm, rv);
  cpu::batchnorm_update_running(a, float(mom), mean.data(), invstd.data(), rm.data(), rv.data());
  EXPECT_LT(rel_err(rm, r.mean), 1e-5);
  EXPECT_LT(rel_err(rv, r.var), 1e-4);
}

// The fused batch norm + activation against the two kernels one after the other: the same float
// operations, so the same bits, forward and backward, on one and on several threads.
void check_bn_act(int64_t M, int64_t C, Act act) {
  SCOPED_TRACE(::testing::Message() << "M=" << M << " C=" << C << " act=" << act_name(act));
  BnArgs a;
  a.M = M, a.C = C;
  auto x = randn(M * C, 61, 2.0f, 0.3f), g = randn(C, 62, 0.5f, 1.5f), b = randn(C, 63), gz = randn(M * C, 64);
  std::vector<float> y(M * C), z(M * C), mean(C), invstd(C);
  cpu::batchnorm_forward_train(a, x.data(), g.data(), b.data(), y.data(), mean.data(), invstd.data());
  cpu::act_forward(act, y.data(), z.data(), M * C);
  std::vector<float> gy(M * C), gx(M * C), gg(C), gb(C);
  cpu::act_backward(act, y.data(), gz.data(), gy.data(), M * C);
  cpu::batchnorm_backward(a, x.data(), gy.data(), g.data(), mean.data(), invstd.data(), gx.data(), gg.data(), gb.data());

  std::vector<float> fz(M * C, 7.0f), fmean(C), finvstd(C);
  cpu::batchnorm_act_forward_train(a, act, x.data(), g.data(), b.data(), fz.data(), fmean.data(), finvstd.data());
  EXPECT_EQ(fz, z);
  EXPECT_EQ(fmean, mean);
  EXPECT_EQ(finvstd, invstd);
  std::vector<float> fgx(M * C, 7.0f), fgg(C, 7.0f), fgb(C, 7.0f);
  cpu::batchnorm_act_backward(a, act, x.data(), gz.data(), g.data(), b.data(), mean.data(), invstd.data(), fgx.data(),
                              fgg.data(), fgb.data());
  EXPECT_EQ(fgx, gx);
  EXPECT_EQ(fgg, gg);
  EXPECT_EQ(fgb, gb);
  // Without the input gradient: the same parameter gradients.
  std::vector<float> gg2(C), gb2(C);
  cpu::batchnorm_act_backward(a, act, x.data(), gz.data(), g.data(), b.data(), mean.data(), invstd.data(), nullptr,
                              gg2.data(), gb2.data());
  EXPECT_EQ(gg2, gg);
  EXPECT_EQ(gb2, gb);
}

TEST(BatchNorm, FusedActivationEqualsTheTwoKernels) {
  for (Act act : {Act::ReLU, Act::HSwish, Act::HSigmoid, Act::Sigmoid}) {
    check_bn_act(35, 13, act);
    check_bn_act(4096, 24, act);  // split among threads
  }
}

// The split kernels of the synchronised batch norm against the training kernels, on one replica
// holding all the rows: the statistics pass gives the same mean and a variance that matches
// invstd, the normalise pass with the training kernel's statistics gives the same bits, and the
// input-gradient pass with the backward's own sums the same gx to float rounding.
void check_bn_split(int64_t M, int64_t C, const Act* act) {
  SCOPED_TRACE(::testing::Message() << "M=" << M << " C=" << C << " act=" << (act ? act_name(*act) : "none"));
  BnArgs a;
  a.M = M, a.C = C;
  auto x = randn(M * C, 71, 1.5f, 3.0f), g = randn(C, 72, 0.5f, 1.0f), b = randn(C, 73), gz = randn(M * C, 74);
  std::vector<float> y(M * C), mean(C), invstd(C), gx(M * C), gg(C), gb(C);
  if (act) {
    cpu::batchnorm_act_forward_train(a, *act, x.data(), g.data(), b.data(), y.data(), mean.data(), invstd.data());
    cpu::batchnorm_act_backward(a, *act, x.data(), gz.data(), g.data(), b.data(), mean.data(), invstd.data(), gx.data(),
                                gg.data(), gb.data());
  } else {
    cpu::batchnorm_forward_train(a, x.data(), g.data(), b.data(), y.data(), mean.data(), invstd.data());
    cpu::batchnorm_backward(a, x.data(), gz.data(), g.data(), mean.data(), invstd.data(), gx.data(), gg.data(), gb.data());
  }
  std::vector<float> smean(C), m2(C);
  cpu::batchnorm_stats(a, x.data(), smean.data(), m2.data());
  EXPECT_EQ(smean, mean);
  for (int64_t c = 0; c < C; ++c)
    EXPECT_NEAR(1.0 / std::sqrt(double(m2[c]) / double(M) + double(a.eps)), invstd[c], 1e-6 * invstd[c]) << c;

  std::vector<float> sy(M * C, 7.0f), sgx(M * C, 7.0f);
  if (act) {
    cpu::batchnorm_act_normalize(a, *act, x.data(), g.data(), b.data(), mean.data(), invstd.data(), sy.data());
    cpu::batchnorm_act_backward_input(a, *act, M, x.data(), gz.data(), g.data(), b.data(), mean.data(), invstd.data(),
                                      gg.data(), gb.data(), sgx.data());
  } else {
    cpu::batchnorm_normalize(a, x.data(), g.data(), b.data(), mean.data(), invstd.data(), sy.data());
    cpu::batchnorm_backward_input(a, M, x.data(), gz.data(), g.data(), mean.data(), invstd.data(), gg.data(), gb.data(),
                                  sgx.data());
  }
  EXPECT_EQ(sy, y);
  std::vector<double> want(gx.begin(), gx.end());
  EXPECT_LT(rel_err(sgx, want), 1e-6);
}

TEST(BatchNorm, SplitKernelsEqualTheTrainingKernels) {
  for (int64_t M : {35, 4096}) {  // 4096 x 24: split among threads
    const int64_t C = M == 35 ? 13 : 24;
    check_bn_split(M, C, nullptr);
    for (Act act : {Act::ReLU, Act::HSwish, Act::HSigmoid, Act::Sigmoid}) check_bn_split(M, C, &act);
  }
}

}  // namespace
}  // namespace iqnas::test
