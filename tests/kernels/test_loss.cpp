// Loss kernels against the reference kernels (tests/kernels/reference/).
#include "kernel_test_util.h"
#include "kernels/loss.h"
#include "tests/kernels/reference/reference.h"

namespace iqnas::test {
namespace {

using Floats = std::vector<float>;

TEST(Loss, SoftmaxCrossEntropyWithSmoothing) {
  for (int64_t K : {1, 10, 1000})
    for (float smoothing : {0.f, 0.1f}) {
      SCOPED_TRACE(::testing::Message() << "K=" << K << " smoothing=" << smoothing);
      const int64_t N = 7;
      const Floats z = randn(static_cast<size_t>(N * K), 41, 3.f);
      std::vector<int32_t> labels(static_cast<size_t>(N));
      for (int64_t i = 0; i < N; ++i) labels[static_cast<size_t>(i)] = int32_t((i * 7 + 3) % K);
      Floats prob(z.size()), loss(static_cast<size_t>(N)), g(z.size(), 7.f);
      cpu::softmax_xent_forward(z.data(), labels.data(), smoothing, prob.data(), loss.data(), N, K);
      cpu::softmax_xent_backward(prob.data(), labels.data(), smoothing, 0.25f, g.data(), N, K);
      const ref::XentForward r = ref::softmax_xent_forward(z, labels, smoothing, N, K);
      EXPECT_LT(rel_err(prob, r.prob), 1e-6);
      EXPECT_LT(rel_err(loss, r.loss), 1e-5);
      EXPECT_LT(rel_err(g, ref::softmax_xent_backward(z, labels, smoothing, 0.25, N, K)), 1e-6);
    }
}

TEST(Loss, KlDivergenceWithTemperature) {
  for (float T : {1.f, 2.f}) {
    SCOPED_TRACE(::testing::Message() << "T=" << T);
    const int64_t N = 5, K = 300;
    const Floats s = randn(static_cast<size_t>(N * K), 51, 2.f), t = randn(static_cast<size_t>(N * K), 52, 2.f);
    Floats ps(s.size()), pt(s.size()), loss(static_cast<size_t>(N)), gs(s.size()), gt(s.size()), gs_only(s.size());
    cpu::kl_div_forward(s.data(), t.data(), T, ps.data(), pt.data(), loss.data(), N, K);
    cpu::kl_div_backward(ps.data(), pt.data(), loss.data(), T, 0.2f, gs.data(), gt.data(), N, K);
    cpu::kl_div_backward(ps.data(), pt.data(), loss.data(), T, 0.2f, gs_only.data(), nullptr, N, K);
    const ref::KlForward r = ref::kl_div_forward(s, t, T, N, K);
    const ref::KlBackward rb = ref::kl_div_backward(s, t, T, 0.2, N, K);
    EXPECT_LT(rel_err(ps, r.ps), 1e-6);
    EXPECT_LT(rel_err(pt, r.pt), 1e-6);
    EXPECT_LT(rel_err(loss, r.loss), 1e-5);
    EXPECT_LT(rel_err(gs, rb.gstudent), 1e-6);
    EXPECT_LT(rel_err(gt, rb.gteacher), 1e-5);
    EXPECT_EQ(gs_only, gs);  // the teacher's gradient is optional
  }
  // A student equal to its teacher has no loss and no gradient.
  const Floats z = randn(30, 53);
  EXPECT_LT(ref::kl_div_forward(z, z, 2.0, 3, 10).loss[1], 1e-12);
}

}  // namespace
}  // namespace iqnas::test
