// GEMM and im2col convolution against naive double-precision loops, plus finite differences.
#include <limits>

#include "kernel_test_util.h"
#include "kernels/conv.h"
#include "kernels/gemm.h"

namespace iqnas::test {
namespace {

void check_gemm(int M, int N, int K) {
  SCOPED_TRACE(::testing::Message() << "M=" << M << " N=" << N << " K=" << K);
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb)
      for (float beta : {0.0f, 1.0f, -0.5f}) {
        // Stored A: [M,K] or [K,M]; B: [K,N] or [N,K]; all with padded row strides.
        const int ar = ta ? K : M, ac = ta ? M : K, br = tb ? N : K, bc = tb ? K : N;
        const int lda = ac + 3, ldb = bc + 2, ldc = N + 4;
        auto A = randn(std::size_t(ar) * lda, 1), B = randn(std::size_t(br) * ldb, 2);
        auto C = randn(std::size_t(M) * ldc, 3);
        if (beta == 0.0f)
          for (auto& c : C) c = std::numeric_limits<float>::quiet_NaN();  // must not be read
        std::vector<double> ref(C.size());
        const float alpha = 0.75f;
        for (int i = 0; i < M; ++i)
          for (int j = 0; j < ldc; ++j) {
            const std::size_t ij = std::size_t(i) * ldc + j;
            if (j >= N) {  // padding columns stay untouched
              ref[ij] = C[ij];
              continue;
            }
            double s = 0;
            for (int k = 0; k < K; ++k) {
              const double a = ta ? A[std::size_t(k) * lda + i] : A[std::size_t(i) * lda + k];
              const double b = tb ? B[std::size_t(j) * ldb + k] : B[std::size_t(k) * ldb + j];
              s += a * b;
            }
            ref[ij] = alpha * s + (beta == 0.0f ? 0.0 : beta * double(C[ij]));
          }
        iqnas::cpu::gemm(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
        for (int i = 0; i < M; ++i)
          for (int j = N; j < ldc; ++j)
            if (beta == 0.0f) C[std::size_t(i) * ldc + j] = 0, ref[std::size_t(i) * ldc + j] = 0;
        EXPECT_LT(rel_err(C, ref), 1e-5) << "ta=" << ta << " tb=" << tb << " beta=" << beta;
      }
}

TEST(Gemm, AllTransposesStridesAlphaBeta) { check_gemm(7, 5, 13); }

// Shapes that take the packed micro-kernel paths: tall products (many rows, a small op(B)) with
// one-vector, one-and-a-half and two-vector column panels and row remainders, and long reductions.
TEST(Gemm, TallProducts) {
  check_gemm(103, 11, 37);
  check_gemm(103, 40, 37);
  check_gemm(61, 50, 9);
  check_gemm(30, 64, 1);
}
TEST(Gemm, LongReductions) {
  check_gemm(13, 40, 1000);
  check_gemm(7, 17, 515);
  check_gemm(13, 16, 700);
  check_gemm(5, 9, 400);
}

// ---- convolution -------------------------------------------------------------------------------
struct ConvRef {
  ConvArgs a;
  std::size_t xs() const { return std::size_t(a.N) * a.H * a.W * a.Cin; }
  std::size_t ys() const { return std::size_t(a.N) * a.Ho() * a.Wo() * a.Cout; }
  std::size_t ws() const { return std::size_t(a.Cout) * a.KH * a.KW * (a.Cin / a.groups); }
  // Calls f(xi, wi, yi) for every multiply-add of the convolution.
  template <class F>
  void each(F&& f) const {
    const int Cg = a.Cin / a.groups, Coutg = a.Cout / a.groups, Ho = a.Ho(), Wo = a.Wo();
    for (int n = 0; n < a.N; ++n)
      for (int oh = 0; oh < Ho; ++oh)
        for (int ow = 0; ow < Wo; ++ow)
          for (int co = 0; co < a.Cout; ++co) {
            const int g = co / Coutg;
            const std::size_t yi = ((std::size_t(n) * Ho + oh) * Wo + ow) * a.Cout + co;
            for (int kh = 0; kh < a.KH; ++kh)
              for (int kw = 0; kw < a.KW; ++kw) {
                const int ih = oh * a.stride - a.pad + kh, iw = ow * a.stride - a.pad + kw;
                if (ih < 0 || ih >= a.H || iw < 0 || iw >= a.W) continue;
                for (int ci = 0; ci < Cg; ++ci) {
                  const std::size_t xi = ((std::size_t(n) * a.H + ih) * a.W + iw) * a.Cin + g * Cg + ci;
                  const std::size_t wi = ((std::size_t(co) * a.KH + kh) * a.KW + kw) * Cg + ci;
                  f(xi, wi, yi);
                }
              }
          }
  }
};

void check_conv(const ConvArgs& a) {
  SCOPED_TRACE(::testing::Message() << "N=" << a.N << " H=" << a.H << " W=" << a.W << " Cin=" << a.Cin
                                    << " Cout=" << a.Cout << " K=" << a.KH << "x" << a.KW
                                    << " s=" << a.stride << " p=" << a.pad << " g=" << a.groups);
  ConvRef r{a};
  auto x = randn(r.xs(), 11), w = randn(r.ws(), 12, 0.5f), gy = randn(r.ys(), 13);
  std::vector<double> y_ref(r.ys()), gx_ref(r.xs()), gw_ref(r.ws());
  r.each([&](std::size_t xi, std::size_t wi, std::size_t yi) {
    y_ref[yi] += double(x[xi]) * w[wi];
    gx_ref[xi] += double(gy[yi]) * w[wi];
    gw_ref[wi] += double(gy[yi]) * x[xi];
  });
  std::vector<float> ws(conv2d_workspace(a) + 1), y(r.ys(), 7.0f), gx(r.xs(), 7.0f), gw(r.ws(), 7.0f);
  cpu::conv2d_forward(a, x.data(), w.data(), y.data(), ws.data());
  cpu::conv2d_backward_data(a, gy.data(), w.data(), gx.data(), ws.data());
  cpu::conv2d_backward_weight(a, x.data(), gy.data(), gw.data(), ws.data());
  EXPECT_LT(rel_err(y, y_ref), 1e-5);
  EXPECT_LT(rel_err(gx, gx_ref), 1e-5);
  EXPECT_LT(rel_err(gw, gw_ref), 1e-5);

  // Finite differences of L(x, w) = sum(gy * conv(x, w)) along random directions.
  auto loss = [&](const std::vector<float>& xx, const std::vector<float>& ww) {
    std::vector<float> yy(r.ys());
    cpu::conv2d_forward(a, xx.data(), ww.data(), yy.data(), ws.data());
    return dot(gy, yy);
  };
  auto dx = randn(r.xs(), 14), dw = randn(r.ws(), 15);
  expect_directional([&](const std::vector<float>& xx) { return loss(xx, w); }, x, dx, gx, 1e-2f, 1e-3,
                     "conv gx");
  expect_directional([&](const std::vector<float>& ww) { return loss(x, ww); }, w, dw, gw, 1e-2f, 1e-3,
                     "conv gw");
}

ConvArgs conv(int N, int H, int W, int Cin, int Cout, int KH, int KW, int s, int p, int g) {
  ConvArgs a;
  a.N = N, a.H = H, a.W = W, a.Cin = Cin, a.Cout = Cout, a.KH = KH, a.KW = KW, a.stride = s, a.pad = p,
  a.groups = g;
  return a;
}

TEST(Conv2d, StemLike) { check_conv(conv(2, 7, 5, 3, 8, 3, 3, 1, 1, 1)); }
TEST(Conv2d, Batch1Stride2) { check_conv(conv(1, 7, 5, 13, 6, 3, 3, 2, 1, 1)); }
TEST(Conv2d, NoPaddingKernel5) { check_conv(conv(2, 9, 7, 5, 4, 5, 5, 1, 0, 1)); }
TEST(Conv2d, LargePaddingStride2) { check_conv(conv(1, 7, 5, 4, 3, 3, 3, 2, 2, 1)); }
TEST(Conv2d, NonSquareKernel) { check_conv(conv(2, 6, 7, 4, 5, 3, 1, 1, 1, 1)); }
TEST(Conv2d, Groups2) { check_conv(conv(2, 7, 5, 6, 10, 3, 3, 1, 1, 2)); }
TEST(Conv2d, GroupsEqualChannelsStride2) { check_conv(conv(1, 7, 5, 13, 13, 3, 3, 2, 1, 13)); }
TEST(Conv2d, PointwisePlain) { check_conv(conv(3, 7, 5, 13, 11, 1, 1, 1, 0, 1)); }
TEST(Conv2d, PointwiseGroups2) { check_conv(conv(1, 7, 5, 6, 4, 1, 1, 1, 0, 2)); }
TEST(Conv2d, PointwiseStride2) { check_conv(conv(2, 7, 5, 5, 3, 1, 1, 2, 0, 1)); }

TEST(Conv2d, ChunkedLargeBatchMatchesPerImage) {
  // Enough images that the column buffer is split into several chunks.
  ConvArgs a = conv(7, 48, 48, 32, 2, 3, 3, 1, 1, 1);
  ConvRef r{a};
  ASSERT_LT(conv2d_workspace(a), std::size_t(a.N) * a.Ho() * a.Wo() * a.KH * a.KW * a.Cin);
  auto x = randn(r.xs(), 21), w = randn(r.ws(), 22), gy = randn(r.ys(), 23);
  std::vector<float> ws(conv2d_workspace(a)), gw(r.ws());
  cpu::conv2d_backward_weight(a, x.data(), gy.data(), gw.data(), ws.data());
  std::vector<double> gw_ref(r.ws());
  r.each([&](std::size_t xi, std::size_t wi, std::size_t yi) { gw_ref[wi] += double(gy[yi]) * x[xi]; });
  EXPECT_LT(rel_err(gw, gw_ref), 1e-5);
}

}  // namespace
}  // namespace iqnas::test
