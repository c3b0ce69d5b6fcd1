// Row-major GEMM on top of Eigen. The stored matrices are mapped with their row strides; a
// transposed operand is a transposed *view* of the map (a column-major matrix to Eigen), so no copy
// is made and Eigen's packing routines read the memory in whatever order is cheapest. Eigen's own
// OpenMP parallelisation is used (the library is built with -fopenmp).
#include "kernels/gemm.h"

// GCC 12 reports a false -Wmaybe-uninitialized inside the AVX-512 intrinsics that Eigen's packing
// routines inline (_mm512_undefined_ps); the warning is raised where they are instantiated: here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <Eigen/Core>

namespace iqnas::cpu {
namespace {

using Stride = Eigen::OuterStride<>;
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMat, Eigen::Unaligned, Stride>;
using MutMap = Eigen::Map<RowMat, Eigen::Unaligned, Stride>;

template <class OpA, class OpB>
void run(const OpA& a, const OpB& b, float alpha, float beta, MutMap& c) {
  if (beta == 0.0f) {
    // C may hold garbage (even NaN): assign, never read it.
    c.noalias() = alpha * (a * b);
  } else {
    if (beta != 1.0f) c *= beta;
    c.noalias() += alpha * (a * b);
  }
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  MutMap c(C, M, N, Stride(ldc));
  if (K <= 0 || alpha == 0.0f) {
    if (beta == 0.0f)
      c.setZero();
    else if (beta != 1.0f)
      c *= beta;
    return;
  }
  // Stored shapes: A is [M,K] (or [K,M] when transposed), B is [K,N] (or [N,K]).
  if (!trans_a && !trans_b) {
    ConstMap a(A, M, K, Stride(lda)), b(B, K, N, Stride(ldb));
    run(a, b, alpha, beta, c);
  } else if (!trans_a && trans_b) {
    ConstMap a(A, M, K, Stride(lda)), b(B, N, K, Stride(ldb));
    run(a, b.transpose(), alpha, beta, c);
  } else if (trans_a && !trans_b) {
    ConstMap a(A, K, M, Stride(lda)), b(B, K, N, Stride(ldb));
    run(a.transpose(), b, alpha, beta, c);
  } else {
    ConstMap a(A, K, M, Stride(lda)), b(B, N, K, Stride(ldb));
    run(a.transpose(), b.transpose(), alpha, beta, c);
  }
}

}  // namespace iqnas::cpu
