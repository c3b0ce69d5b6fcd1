// Dense matrix product, row-major: C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C.
// op(X) is X or its transpose; lda/ldb/ldc are row strides (elements) of the stored matrices.
// Pointwise (1x1) convolutions in NHWC and linear layers are exactly this product.
#pragma once
#include <cstdint>

namespace iqnas::cpu {
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
}  // namespace iqnas::cpu
