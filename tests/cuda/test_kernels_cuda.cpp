// Kernel level: every CUDA twin in kernels/ against its CPU twin on random data (odd shapes,
// batch 1, stride 2, unaligned pointers). Tolerances are relative to 1 + max |reference|.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "kernels/batchnorm.h"
#include "kernels/conv.h"
#include "kernels/depthwise.h"
#include "kernels/elementwise.h"
#include "kernels/gemm.h"
#include "kernels/loss.h"
#include "kernels/optim.h"
#include "kernels/rows.h"
#include "tests/cuda/cuda_test_util.h"

namespace iqnas {
namespace {
using test::DevBuf;
using test::err;
using test::randn;

// Single products and per-pixel sums: fp32 rounding in a different order.
constexpr double kTolDirect = 1e-5;
// Long reductions (weight gradients over N*H*W, BN statistics): blocked partial sums.
constexpr double kTolReduce = 1e-4;

// ---- GEMM --------------------------------------------------------------------------------------
TEST(CudaGemm, AllTransposesWithStridesAlphaBeta) {
  REQUIRE_GPU();
  const int64_t M = 37, N = 29, K = 53, pad = 3;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb)
      for (float beta : {0.f, 0.5f}) {
        const int64_t ar = ta ? K : M, ac = ta ? M : K, br = tb ? N : K, bc = tb ? K : N;
        const int64_t lda = ac + pad, ldb = bc + pad, ldc = N + pad;
        const auto A = randn(size_t(ar * lda), 1), B = randn(size_t(br * ldb), 2);
        auto C = randn(size_t(M * ldc), 3);
        if (beta == 0.f)  // beta == 0 must overwrite, not read, C
          for (auto& v : C) v = std::numeric_limits<float>::quiet_NaN();
        std::vector<float> ref(C);
        cpu::gemm(ta, tb, M, N, K, 0.75f, A.data(), lda, B.data(), ldb, beta, ref.data(), ldc);
        DevBuf<float> dA(A), dB(B), dC(C);
        cuda::gemm(ta, tb, M, N, K, 0.75f, dA.get(), lda, dB.get(), ldb, beta, dC.get(), ldc);
        auto got = dC.host();
        for (int64_t m = 0; m < M; ++m)  // the padding columns are not part of C
          for (int64_t j = N; j < ldc; ++j) got[size_t(m * ldc + j)] = ref[size_t(m * ldc + j)] = 0.f;
        EXPECT_LT(err(got, ref), kTolDirect) << "ta " << ta << " tb " << tb << " beta " << beta;
      }
}

TEST(CudaGemm, Tf32IsOptInAndWithinItsPrecision) {
  REQUIRE_GPU();  // also turns TF32 off
  const int64_t M = 64, N = 48, K = 256;
  const auto A = randn(size_t(M * K), 4), B = randn(size_t(K * N), 5);
  std::vector<float> C(size_t(M * N));
  cpu::gemm(false, false, M, N, K, 1.f, A.data(), K, B.data(), N, 0.f, C.data(), N);
  DevBuf<float> dA(A), dB(B), dC(size_t(M * N));
  cuda::gemm(false, false, M, N, K, 1.f, dA.get(), K, dB.get(), N, 0.f, dC.get(), N);
  const double fp32 = err(dC.host(), C);
  cuda::set_tf32(true);
  cuda::gemm(false, false, M, N, K, 1.f, dA.get(), K, dB.get(), N, 0.f, dC.get(), N);
  cuda::set_tf32(false);
  const double tf32 = err(dC.host(), C);
  EXPECT_LT(fp32, kTolDirect);
  EXPECT_LT(tf32, 1e-2);   // 10-bit mantissas: about 1e-3 relative per product
  EXPECT_GT(tf32, fp32);   // and TF32 really was in use
}

TEST(CudaGemm, TallPointwiseShape) {
  REQUIRE_GPU();
  const int64_t M = 2 * 9 * 11, N = 24, K = 16;
  const auto A = randn(size_t(M * K), 4), B = randn(size_t(N * K), 5);
  std::vector<float> ref(size_t(M * N));
  cpu::gemm(false, true, M, N, K, 1.f, A.data(), K, B.data(), K, 0.f, ref.data(), N);
  DevBuf<float> dA(A), dB(B), dC(size_t(M * N));
  cuda::gemm(false, true, M, N, K, 1.f, dA.get(), K, dB.get(), K, 0.f, dC.get(), N);
  EXPECT_LT(err(dC.host(), ref), kTolDirect);
}

// ---- general convolution -------------------------------------------------------------------------
void check_conv(const ConvArgs& a, const std::string& what) {
  const size_t nx = size_t(a.N) * a.H * a.W * a.Cin, ny = size_t(a.N) * a.Ho() * a.Wo() * a.Cout;
  const size_t nw = size_t(a.Cout) * a.KH * a.KW * (a.Cin / a.groups), nws = conv2d_workspace(a);
  const auto x = randn(nx, 11), w = randn(nw, 12, 0.3f), gy = randn(ny, 13);
  std::vector<float> y(ny), gx(nx), gw(nw), ws(nws + 1);
  cpu::conv2d_forward(a, x.data(), w.data(), y.data(), ws.data());
  cpu::conv2d_backward_data(a, gy.data(), w.data(), gx.data(), ws.data());
  cpu::conv2d_backward_weight(a, x.data(), gy.data(), gw.data(), ws.data());
  DevBuf<float> dx(x), dw(w), dgy(gy), dy(ny), dgx(nx), dgw(nw), dws(nws + 1);
  cuda::conv2d_forward(a, dx.get(), dw.get(), dy.get(), dws.get());
  cuda::conv2d_backward_data(a, dgy.get(), dw.get(), dgx.get(), dws.get());
  cuda::conv2d_backward_weight(a, dx.get(), dgy.get(), dgw.get(), dws.get());
  EXPECT_LT(err(dy.host(), y), kTolDirect) << what << " forward";
  EXPECT_LT(err(dgx.host(), gx), kTolDirect) << what << " backward data";
  EXPECT_LT(err(dgw.host(), gw), kTolReduce) << what << " backward weight";
}

ConvArgs conv_args(int N, int H, int W, int Cin, int Cout, int K, int stride, int groups) {
  ConvArgs a;
  a.N = N, a.H = H, a.W = W, a.Cin = Cin, a.Cout = Cout, a.KH = a.KW = K;
  a.stride = stride, a.pad = K / 2, a.groups = groups;
  return a;
}

TEST(CudaConv, StemStride2) {
  REQUIRE_GPU();
  check_conv(conv_args(2, 17, 15, 3, 16, 3, 2, 1), "stem 3x3 s2");
  check_conv(conv_args(1, 8, 8, 3, 8, 3, 2, 1), "stem batch 1");
}
TEST(CudaConv, GroupedAndLargeKernel) {
  REQUIRE_GPU();
  check_conv(conv_args(2, 9, 7, 6, 4, 3, 1, 2), "grouped 3x3");
  check_conv(conv_args(1, 11, 10, 5, 7, 5, 1, 1), "5x5");
}
TEST(CudaConv, PointwisePlainAndStrided) {
  REQUIRE_GPU();
  check_conv(conv_args(2, 5, 6, 8, 12, 1, 1, 1), "1x1 plain (GEMM path)");
  check_conv(conv_args(2, 7, 7, 8, 12, 1, 2, 1), "1x1 s2 (im2col path)");
  check_conv(conv_args(1, 4, 4, 8, 6, 1, 1, 2), "grouped 1x1");
}
TEST(CudaConv, ManyImageChunks) {  // more images than one column-buffer chunk holds
  REQUIRE_GPU();
  ConvArgs a = conv_args(3, 180, 180, 3, 4, 3, 1, 1);
  ASSERT_LT(conv2d_workspace(a), size_t(a.N) * a.Ho() * a.Wo() * 27) << "needs a shape with chunks";
  check_conv(a, "chunked");
}

// ---- depthwise -----------------------------------------------------------------------------------
void check_dw(const DwConvArgs& a, int misalign) {
  const std::string what = "N" + std::to_string(a.N) + " " + std::to_string(a.H) + "x" + std::to_string(a.W) + " C" +
                           std::to_string(a.C) + " K" + std::to_string(a.K) + " s" + std::to_string(a.stride) +
                           (misalign ? " misaligned" : "");
  const size_t nx = size_t(a.N) * a.H * a.W * a.C, ny = size_t(a.N) * a.Ho() * a.Wo() * a.C;
  const size_t nw = size_t(a.K) * a.K * a.C;
  const auto x = randn(nx, 21), w = randn(nw, 22, 0.3f), gy = randn(ny, 23);
  std::vector<float> y(ny), gx(nx), gw(nw);
  cpu::depthwise_forward(a, x.data(), w.data(), y.data());
  cpu::depthwise_backward_data(a, gy.data(), w.data(), gx.data());
  cpu::depthwise_backward_weight(a, x.data(), gy.data(), gw.data());
  // With misalign, every buffer starts one float past a 16-byte boundary (scalar path).
  auto shifted = [&](const std::vector<float>& v) {
    std::vector<float> s(size_t(misalign), 0.f);
    s.insert(s.end(), v.begin(), v.end());
    return s;
  };
  auto unshift = [&](std::vector<float> v) { return std::vector<float>(v.begin() + misalign, v.end()); };
  DevBuf<float> dx(shifted(x)), dw(shifted(w)), dgy(shifted(gy)), dy(ny + misalign), dgx(nx + misalign),
      dgw(nw + misalign);
  const int o = misalign;
  cuda::depthwise_forward(a, dx.get() + o, dw.get() + o, dy.get() + o);
  cuda::depthwise_backward_data(a, dgy.get() + o, dw.get() + o, dgx.get() + o);
  cuda::depthwise_backward_weight(a, dx.get() + o, dgy.get() + o, dgw.get() + o);
  EXPECT_LT(err(unshift(dy.host()), y), kTolDirect) << what << " forward";
  EXPECT_LT(err(unshift(dgx.host()), gx), kTolDirect) << what << " backward data";
  EXPECT_LT(err(unshift(dgw.host()), gw), kTolReduce) << what << " backward weight";
}

DwConvArgs dw_args(int N, int H, int W, int C, int K, int S) {
  DwConvArgs a;
  a.N = N, a.H = H, a.W = W, a.C = C, a.K = K, a.stride = S, a.pad = K / 2;
  return a;
}

TEST(CudaDepthwise, AllKernelsAndStrides) {
  REQUIRE_GPU();
  for (int K : {3, 5, 7})
    for (int S : {1, 2})
      for (int C : {1, 3, 8, 20, 33}) check_dw(dw_args(2, 9, 11, C, K, S), 0);
}
TEST(CudaDepthwise, OddShapesAndBatchOne) {
  REQUIRE_GPU();
  for (int K : {3, 5})
    for (int S : {1, 2}) {
      check_dw(dw_args(1, 1, 1, 4, K, S), 0);    // a single pixel
      check_dw(dw_args(1, 2, 13, 12, K, S), 0);  // a row strip shorter than the kernel
      check_dw(dw_args(3, 14, 6, 36, K, S), 0);  // even sizes (stride-2 phases)
      check_dw(dw_args(1, 7, 7, 160, K, S), 0);  // more than one block of channel vectors
    }
}
TEST(CudaDepthwise, UnalignedPointersTakeTheScalarPath) {
  REQUIRE_GPU();
  check_dw(dw_args(2, 8, 9, 16, 3, 1), 1);
  check_dw(dw_args(2, 8, 9, 16, 5, 2), 1);
}
TEST(CudaDepthwise, LongReductionForTheWeightGradient) {
  REQUIRE_GPU();
  check_dw(dw_args(16, 28, 28, 24, 5, 1), 0);
  check_dw(dw_args(16, 28, 28, 24, 3, 2), 0);
}
// The paper preset's depthwise layers at the training batch (256; 64 for the 56x56 layers, whose CPU
// reference is the slow part). Under the CPU emulation (tests/cuda_emu) the same layers run at a
// small batch: the shapes, not the batch, are what the emulation checks.
int paper_batch(int batch) {
#ifdef IQNAS_CUDA_EMULATION
  return batch > 0 ? 1 : 0;
#else
  return batch;
#endif
}
TEST(CudaDepthwise, PaperShapesAtTrainingBatch) {
  REQUIRE_GPU();
  check_dw(dw_args(paper_batch(64), 56, 56, 144, 5, 1), 0);
  check_dw(dw_args(paper_batch(64), 56, 56, 144, 5, 2), 0);
  check_dw(dw_args(paper_batch(256), 56, 56, 144, 3, 1), 0);
  check_dw(dw_args(paper_batch(256), 28, 28, 240, 5, 1), 0);
  check_dw(dw_args(paper_batch(256), 14, 14, 480, 3, 1), 0);
  check_dw(dw_args(paper_batch(256), 7, 7, 960, 5, 1), 0);
}
TEST(CudaDepthwise, UnsupportedKernelThrows) {
  REQUIRE_GPU();
  DwConvArgs a = dw_args(1, 5, 5, 4, 9, 1);
  DevBuf<float> x(100), w(81 * 4), y(100);
  EXPECT_THROW(cuda::depthwise_forward(a, x.get(), w.get(), y.get()), std::invalid_argument);
}

// ---- batch norm ----------------------------------------------------------------------------------
void check_bn(int64_t M, int64_t C, float shift, bool affine) {
  const std::string what = "M" + std::to_string(M) + " C" + std::to_string(C) + (affine ? "" : " no affine");
  BnArgs a;
  a.M = M, a.C = C, a.eps = 1e-5f;
  const size_t n = size_t(M * C), nc = size_t(C);
  const auto x = randn(n, 31, 2.0f, shift), gy = randn(n, 32), gamma = randn(nc, 33, 0.5f, 1.f),
             beta = randn(nc, 34);
  const auto rm0 = randn(nc, 35), rv0 = randn(nc, 36, 0.1f, 1.f);
  std::vector<float> y(n), mean(nc), invstd(nc), gx(n), gg(nc), gb(nc), ye(n);
  std::vector<float> rm(rm0), rv(rv0);
  const float* g = affine ? gamma.data() : nullptr;
  const float* b = affine ? beta.data() : nullptr;
  cpu::batchnorm_forward_train(a, x.data(), g, b, y.data(), mean.data(), invstd.data());
  cpu::batchnorm_update_running(a, 0.1f, mean.data(), invstd.data(), rm.data(), rv.data());
  cpu::batchnorm_backward(a, x.data(), gy.data(), g, mean.data(), invstd.data(), gx.data(), gg.data(), gb.data());
  cpu::batchnorm_forward_eval(a, x.data(), g, b, rm.data(), rv.data(), ye.data());

  DevBuf<float> dx(x), dgy(gy), dgamma(gamma), dbeta(beta), drm(rm0), drv(rv0), dy(n), dmean(nc),
      dinv(nc), dgx(n), dgg(nc), dgb(nc), dye(n), dgg2(nc);
  const float* dg = affine ? dgamma.get() : nullptr;
  const float* db = affine ? dbeta.get() : nullptr;
  cuda::batchnorm_forward_train(a, dx.get(), dg, db, dy.get(), dmean.get(), dinv.get());
  cuda::batchnorm_update_running(a, 0.1f, dmean.get(), dinv.get(), drm.get(), drv.get());
  cuda::batchnorm_backward(a, dx.get(), dgy.get(), dg, dmean.get(), dinv.get(), dgx.get(), dgg.get(), dgb.get());
  cuda::batchnorm_forward_eval(a, dx.get(), dg, db, drm.get(), drv.get(), dye.get());
  // Without an input gradient (gx null) the parameter gradients are the same.
  cuda::batchnorm_backward(a, dx.get(), dgy.get(), dg, dmean.get(), dinv.get(), nullptr, dgg2.get(), nullptr);

  EXPECT_LT(err(dmean.host(), mean), kTolReduce) << what << " mean";
  EXPECT_LT(err(dinv.host(), invstd), kTolReduce) << what << " invstd";
  EXPECT_LT(err(dy.host(), y), kTolReduce) << what << " y";
  EXPECT_LT(err(drm.host(), rm), kTolReduce) << what << " running mean";
  EXPECT_LT(err(drv.host(), rv), kTolReduce) << what << " running var";
  EXPECT_LT(err(dgx.host(), gx), kTolReduce) << what << " gx";
  EXPECT_LT(err(dgg.host(), gg), kTolReduce) << what << " ggamma";
  EXPECT_LT(err(dgg2.host(), gg), kTolReduce) << what << " ggamma without gx";
  EXPECT_LT(err(dgb.host(), gb), kTolReduce) << what << " gbeta";
  EXPECT_LT(err(dye.host(), ye), kTolDirect) << what << " eval y";
}

TEST(CudaBatchNorm, MatchesCpu) {
  REQUIRE_GPU();
  check_bn(2, 3, 0.f, true);            // the smallest training batch
  check_bn(70, 16, 0.f, true);          // float4 path
  check_bn(70, 37, 0.f, true);          // scalar path, channels across two blocks
  check_bn(5000, 24, 50.f, true);       // |mean| >> std
  check_bn(33, 8, 0.f, false);          // no gamma/beta
  check_bn(2 * 56 * 56, 144, 0.f, true);  // a paper-preset layer at batch 2
}

TEST(CudaBatchNorm, PaperShapesAndTheFoldPath) {
  REQUIRE_GPU();
  // 300 000 rows of 16 channels: each thread of pass 1 folds several 64-row float runs into double.
  check_bn(paper_batch(256) >= 256 ? 300000 : 3000, 16, 3.f, true);
  check_bn(int64_t(paper_batch(256)) * 56 * 56, 144, 0.f, true);  // the heaviest BN of the paper preset
}

// The split kernels of the synchronised batch norm, plain and with an activation; the input
// gradient with sums over more rows than this replica's (as after the replicas' meeting).
void check_bn_split(int64_t M, int64_t C, float shift, const Act* act) {
  const std::string what = "M" + std::to_string(M) + " C" + std::to_string(C) + " act " + (act ? act_name(*act) : "none");
  BnArgs a;
  a.M = M, a.C = C, a.eps = 1e-5f;
  const int64_t rows = 3 * M;
  const size_t n = size_t(M * C), nc = size_t(C);
  const auto x = randn(n, 61, 2.0f, shift), gz = randn(n, 62), gamma = randn(nc, 63, 0.5f, 1.f), beta = randn(nc, 64);
  const auto gg = randn(nc, 65, 3.f), gb = randn(nc, 66, 3.f);
  std::vector<float> mean(nc), m2(nc), invstd(nc), y(n), gx(n);
  cpu::batchnorm_stats(a, x.data(), mean.data(), m2.data());
  for (size_t c = 0; c < nc; ++c) invstd[c] = 1.f / std::sqrt(m2[c] / float(M) + a.eps);
  DevBuf<float> dx(x), dgz(gz), dgamma(gamma), dbeta(beta), dgg(gg), dgb(gb), dmean(nc), dm2(nc), dinv(invstd),
      dcmean(mean), dy(n), dgx(n);
  cuda::batchnorm_stats(a, dx.get(), dmean.get(), dm2.get());
  if (act) {
    cpu::batchnorm_act_normalize(a, *act, x.data(), gamma.data(), beta.data(), mean.data(), invstd.data(), y.data());
    cpu::batchnorm_act_backward_input(a, *act, rows, x.data(), gz.data(), gamma.data(), beta.data(), mean.data(),
                                      invstd.data(), gg.data(), gb.data(), gx.data());
    cuda::batchnorm_act_normalize(a, *act, dx.get(), dgamma.get(), dbeta.get(), dcmean.get(), dinv.get(), dy.get());
    cuda::batchnorm_act_backward_input(a, *act, rows, dx.get(), dgz.get(), dgamma.get(), dbeta.get(), dcmean.get(),
                                       dinv.get(), dgg.get(), dgb.get(), dgx.get());
  } else {
    cpu::batchnorm_normalize(a, x.data(), gamma.data(), beta.data(), mean.data(), invstd.data(), y.data());
    cpu::batchnorm_backward_input(a, rows, x.data(), gz.data(), gamma.data(), mean.data(), invstd.data(), gg.data(),
                                  gb.data(), gx.data());
    cuda::batchnorm_normalize(a, dx.get(), dgamma.get(), dbeta.get(), dcmean.get(), dinv.get(), dy.get());
    cuda::batchnorm_backward_input(a, rows, dx.get(), dgz.get(), dgamma.get(), dcmean.get(), dinv.get(), dgg.get(),
                                   dgb.get(), dgx.get());
  }
  EXPECT_LT(err(dmean.host(), mean), kTolReduce) << what << " mean";
  EXPECT_LT(err(dm2.host(), m2), kTolReduce) << what << " m2";
  EXPECT_LT(err(dy.host(), y), kTolDirect) << what << " y";
  EXPECT_LT(err(dgx.host(), gx), kTolDirect) << what << " gx";
}

TEST(CudaBatchNorm, SplitKernelsMatchCpu) {
  REQUIRE_GPU();
  for (auto [M, C] : {std::array<int64_t, 2>{2, 3}, {70, 16}, {70, 37}, {5000, 24}}) {
    check_bn_split(M, C, M == 5000 ? 50.f : 0.f, nullptr);
    for (Act act : {Act::ReLU, Act::HSwish, Act::HSigmoid, Act::Sigmoid}) check_bn_split(M, C, 0.f, &act);
  }
}

// ---- reductions --------------------------------------------------------------------------------
TEST(CudaReduce, RowAndColumnReductionsMatchTheCpu) {
  REQUIRE_GPU();
  // (N, S, C): a single row, one column, more columns than a block, and long spatial runs.
  for (auto [N, S, C] : {std::array<int64_t, 3>{1, 1, 1}, {3, 7, 33}, {2, 1000, 144}, {5, 49, 960}, {1, 20000, 16}}) {
    const std::string what = std::to_string(N) + "x" + std::to_string(S) + "x" + std::to_string(C);
    const size_t n = size_t(N * S * C);
    const auto x = randn(n, 41, 1.f, 0.5f), g = randn(n, 42);
    std::vector<float> pool(static_cast<size_t>(N * C)), gate(pool.size()), cols(static_cast<size_t>(C)),
        dots(static_cast<size_t>(N));
    cpu::avgpool_forward(x.data(), pool.data(), N, S, C);
    cpu::mul_channels_grad_gate(x.data(), g.data(), gate.data(), N, S, C);
    cpu::sum_columns(x.data(), cols.data(), N * S, C);
    cpu::dot_rows(x.data(), g.data(), dots.data(), N, S * C);
    DevBuf<float> dx(x), dg(g), dpool(pool.size()), dgate(gate.size()), dcols(cols.size()), ddots(dots.size());
    cuda::avgpool_forward(dx.get(), dpool.get(), N, S, C);
    cuda::mul_channels_grad_gate(dx.get(), dg.get(), dgate.get(), N, S, C);
    cuda::sum_columns(dx.get(), dcols.get(), N * S, C);
    cuda::dot_rows(dx.get(), dg.get(), ddots.get(), N, S * C);
    EXPECT_LT(err(dpool.host(), pool), kTolDirect) << what << " avgpool";
    EXPECT_LT(err(dgate.host(), gate), kTolReduce) << what << " SE gate gradient";
    EXPECT_LT(err(dcols.host(), cols), kTolDirect) << what << " sum_columns";
    EXPECT_LT(err(ddots.host(), dots), kTolDirect) << what << " dot_rows";
  }
}

// ---- losses --------------------------------------------------------------------------------------
TEST(CudaLoss, SoftmaxCrossEntropyWithSmoothing) {
  REQUIRE_GPU();
  for (int64_t K : {1, 10, 1000}) {
    const int64_t N = 7;
    const auto z = randn(size_t(N * K), 41, 3.f);
    std::vector<int32_t> labels(static_cast<size_t>(N));
    for (int64_t i = 0; i < N; ++i) labels[size_t(i)] = int32_t((i * 7 + 3) % K);
    std::vector<float> prob(z.size()), loss(static_cast<size_t>(N)), g(z.size());
    cpu::softmax_xent_forward(z.data(), labels.data(), 0.1f, prob.data(), loss.data(), N, K);
    cpu::softmax_xent_backward(prob.data(), labels.data(), 0.1f, 0.25f, g.data(), N, K);
    DevBuf<float> dz(z), dprob(z.size()), dloss(static_cast<size_t>(N)), dg(z.size());
    DevBuf<int32_t> dlab(labels);
    cuda::softmax_xent_forward(dz.get(), dlab.get(), 0.1f, dprob.get(), dloss.get(), N, K);
    cuda::softmax_xent_backward(dprob.get(), dlab.get(), 0.1f, 0.25f, dg.get(), N, K);
    EXPECT_LT(err(dprob.host(), prob), kTolDirect) << "K " << K;
    EXPECT_LT(err(dloss.host(), loss), kTolDirect) << "K " << K;
    EXPECT_LT(err(dg.host(), g), kTolDirect) << "K " << K;
  }
}

TEST(CudaLoss, KlDivergenceWithTemperature) {
  REQUIRE_GPU();
  const int64_t N = 5, K = 300;
  const auto s = randn(size_t(N * K), 51, 2.f), t = randn(size_t(N * K), 52, 2.f);
  std::vector<float> ps(s.size()), pt(s.size()), loss(static_cast<size_t>(N)), gs(s.size()), gt(s.size());
  cpu::kl_div_forward(s.data(), t.data(), 2.f, ps.data(), pt.data(), loss.data(), N, K);
  cpu::kl_div_backward(ps.data(), pt.data(), loss.data(), 2.f, 0.2f, gs.data(), gt.data(), N, K);
  DevBuf<float> ds(s), dt(t), dps(s.size()), dpt(s.size()), dloss(static_cast<size_t>(N)), dgs(s.size()), dgt(s.size()),
      dgs2(s.size());
  cuda::kl_div_forward(ds.get(), dt.get(), 2.f, dps.get(), dpt.get(), dloss.get(), N, K);
  cuda::kl_div_backward(dps.get(), dpt.get(), dloss.get(), 2.f, 0.2f, dgs.get(), dgt.get(), N, K);
  cuda::kl_div_backward(dps.get(), dpt.get(), dloss.get(), 2.f, 0.2f, dgs2.get(), nullptr, N, K);
  EXPECT_LT(err(dps.host(), ps), kTolDirect);
  EXPECT_LT(err(dpt.host(), pt), kTolDirect);
  EXPECT_LT(err(dloss.host(), loss), kTolReduce);
  EXPECT_LT(err(dgs.host(), gs), kTolDirect);
  EXPECT_LT(err(dgs2.host(), gs), kTolDirect);
  EXPECT_LT(err(dgt.host(), gt), kTolReduce);
}

// ---- rows, optimiser -------------------------------------------------------------------------------
TEST(CudaRows, GatherAndScatter) {
  REQUIRE_GPU();
  const int64_t N = 9, D = 13;
  const auto x = randn(size_t(N * D), 61);
  const std::vector<int64_t> idx = {4, 0, 8, 2, 7};
  const int64_t R = int64_t(idx.size());
  std::vector<float> y(size_t(R * D)), s(size_t(N * D), -1.f);
  cpu::gather_rows(x.data(), idx.data(), y.data(), R, D);
  cpu::scatter_rows(y.data(), idx.data(), s.data(), R, D);
  DevBuf<float> dx(x), dy(size_t(R * D)), ds(s.size());
  DevBuf<int64_t> didx(idx);
  cuda::gather_rows(dx.get(), didx.get(), dy.get(), R, D);
  DevBuf<float> ds0(std::vector<float>(s.size(), -1.f));
  cuda::scatter_rows(dy.get(), didx.get(), ds0.get(), R, D);
  EXPECT_EQ(dy.host(), y);
  EXPECT_EQ(ds0.host(), s);  // untouched rows keep their value
}

TEST(CudaOptim, SgdNesterovWithDecay) {
  REQUIRE_GPU();
  const int64_t n = 1003;
  auto p = randn(size_t(n), 71), buf = randn(size_t(n), 72);
  const auto g = randn(size_t(n), 73);
  SgdArgs a;
  a.lr = 0.05f, a.momentum = 0.9f, a.weight_decay = 1e-4f, a.nesterov = true;
  DevBuf<float> dp(p), dg(g), db(buf);
  cpu::sgd_step(a, p.data(), g.data(), buf.data(), n);
  cuda::sgd_step(a, dp.get(), dg.get(), db.get(), n);
  EXPECT_LT(err(dp.host(), p), kTolDirect);
  EXPECT_LT(err(db.host(), buf), kTolDirect);
}

}  // namespace
}  // namespace iqnas
