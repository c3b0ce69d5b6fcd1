// Kernels that split work by thread must also be right when called from inside another OpenMP
// parallel region, where their own team has a single thread (nested parallelism is off).
#include <omp.h>

#include "kernel_test_util.h"
#include "kernels/batchnorm.h"
#include "kernels/depthwise.h"
#include "kernels/gemm.h"

namespace iqnas::test {
namespace {

// Runs f() once on the calling thread and once inside a 2-thread parallel region (on each thread),
// and expects identical outputs.
template <class F>
void expect_same_inside_parallel(F&& f) {
  const std::vector<float> ref = f();
  std::vector<float> got[2];
#pragma omp parallel num_threads(2)
  got[omp_get_thread_num()] = f();
  for (int t = 0; t < omp_get_max_threads() && t < 2; ++t) {
    if (got[t].empty()) continue;  // a single-threaded OpenMP run
    ASSERT_EQ(got[t].size(), ref.size());
    double e = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) e = std::max(e, double(std::abs(got[t][i] - ref[i])));
    EXPECT_LT(e, 1e-3) << "thread " << t;
  }
}

TEST(Nested, DepthwiseBackwardWeight) {
  DwConvArgs a;
  a.N = 4, a.H = 16, a.W = 16, a.C = 37, a.K = 5, a.stride = 1, a.pad = 2;
  const auto x = randn(std::size_t(a.N) * a.H * a.W * a.C, 1), gy = randn(x.size(), 2);
  expect_same_inside_parallel([&] {
    std::vector<float> gw(std::size_t(a.K) * a.K * a.C, 7.0f);
    cpu::depthwise_backward_weight(a, x.data(), gy.data(), gw.data());
    return gw;
  });
}

TEST(Nested, BatchNormTrainAndBackward) {
  BnArgs a;
  a.M = 4096, a.C = 24;
  const auto x = randn(a.M * a.C, 3), gy = randn(a.M * a.C, 4), g = randn(a.C, 5), b = randn(a.C, 6);
  expect_same_inside_parallel([&] {
    std::vector<float> y(a.M * a.C), mean(a.C), invstd(a.C), gx(a.M * a.C), gg(a.C), gb(a.C);
    cpu::batchnorm_forward_train(a, x.data(), g.data(), b.data(), y.data(), mean.data(), invstd.data());
    cpu::batchnorm_backward(a, x.data(), gy.data(), g.data(), mean.data(), invstd.data(), gx.data(),
                            gg.data(), gb.data());
    y.insert(y.end(), gx.begin(), gx.end());
    y.insert(y.end(), gg.begin(), gg.end());
    y.insert(y.end(), gb.begin(), gb.end());
    return y;
  });
}

TEST(Nested, GemmLongReduction) {
  const int M = 24, N = 40, K = 2000;
  const auto A = randn(std::size_t(K) * M, 7), B = randn(std::size_t(K) * N, 8);
  expect_same_inside_parallel([&] {
    std::vector<float> C(std::size_t(M) * N);
    cpu::gemm(true, false, M, N, K, 1.0f, A.data(), M, B.data(), N, 0.0f, C.data(), N);
    return C;
  });
}

}  // namespace
}  // namespace iqnas::test
