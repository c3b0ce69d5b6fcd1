// GEMM and im2col convolution against the reference kernels (tests/kernels/reference/), plus finite
// differences.
#include <limits>

#include "kernel_test_util.h"
#include "kernels/conv.h"
#include "kernels/gemm.h"
#include "tests/kernels/reference/reference.h"

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
        const float alpha = 0.75f;
        std::vector<double> expected = ref::gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        iqnas::cpu::gemm(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
        for (int i = 0; i < M; ++i)
          for (int j = N; j < ldc; ++j)
            if (beta == 0.0f) C[std::size_t(i) * ldc + j] = 0, expected[std::size_t(i) * ldc + j] = 0;
        EXPECT_LT(rel_err(C, expected), 1e-5) << "ta=" << ta << " tb=" << tb << " beta=" << beta;
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
std::size_t x_size(const ConvArgs& a) { return std::size_t(a.N) * a.H * a.W * a.Cin; }
std::size_t y_size(const ConvArgs& a) { return std::size_t(a.N) * a.Ho() * a.Wo() * a.Cout; }
std::size_t w_size(const ConvArgs& a) { return std::size_t(a.Cout) * a.KH * a.KW * (a.Cin / a.groups); }

void check_conv(const ConvArgs& a) {
  SCOPED_TRACE(::testing::Message() << "N=" << a.N << " H=" << a.H << " W=" << a.W << " Cin=" << a.Cin
                                    << " Cout=" << a.Cout << " K=" << a.KH << "x" << a.KW
                                    << " s=" << a.stride << " p=" << a.pad << " g=" << a.groups);
  auto x = randn(x_size(a), 11), w = randn(w_size(a), 12, 0.5f), gy = randn(y_size(a), 13);
  std::vector<float> ws(conv2d_workspace(a) + 1), y(y_size(a), 7.0f), gx(x_size(a), 7.0f), gw(w_size(a), 7.0f);
  cpu::conv2d_forward(a, x.data(), w.data(), y.data(), ws.data());
  cpu::conv2d_backward_data(a, gy.data(), w.data(), gx.data(), ws.data());
  cpu::conv2d_backward_weight(a, x.data(), gy.data(), gw.data(), ws.data());
  EXPECT_LT(rel_err(y, ref::conv2d_forward(a, x, w)), 1e-5);
  EXPECT_LT(rel_err(gx, ref::conv2d_backward_data(a, gy, w)), 1e-5);
  EXPECT_LT(rel_err(gw, ref::conv2d_backward_weight(a, x, gy)), 1e-5);

  // Finite differences of L(x, w) = sum(gy * conv(x, w)) along random directions.
  auto loss = [&](const std::vector<float>& xx, const std::vector<float>& ww) {
    std::vector<float> yy(y_size(a));
    cpu::conv2d_forward(a, xx.data(), ww.data(), yy.data(), ws.data());
    return dot(gy, yy);
  };
  auto dx = randn(x_size(a), 14), dw = randn(w_size(a), 15);
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
  ASSERT_LT(conv2d_workspace(a), std::size_t(a.N) * a.Ho() * a.Wo() * a.KH * a.KW * a.Cin);
  auto x = randn(x_size(a), 21), gy = randn(y_size(a), 23);
  std::vector<float> ws(conv2d_workspace(a)), gw(w_size(a));
  cpu::conv2d_backward_weight(a, x.data(), gy.data(), gw.data(), ws.data());
  EXPECT_LT(rel_err(gw, ref::conv2d_backward_weight(a, x, gy)), 1e-5);
}

}  // namespace
}  // namespace iqnas::test
