// Dense matrix product, row-major: C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C.
// op(X) is X or its transpose; lda/ldb/ldc are row strides (elements) of the stored matrices.
// Pointwise (1x1) convolutions in NHWC and linear layers are exactly this product.
#pragma once
#include <cstdint>

namespace iqnas {
#define IQNAS_GEMM_DECLS                                                                           \
  void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, \
            int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

namespace cpu {
IQNAS_GEMM_DECLS
}
namespace cuda {
// cuBLAS SGEMM on the backend stream (row-major through the transpose identity C^T = B^T A^T).
IQNAS_GEMM_DECLS
// CUDA only: let cuBLAS use TF32 tensor cores for fp32 products (off by default, so results match
// the CPU to fp32 rounding; PyTorch's cuDNN convolutions use TF32 by default). Also switched on by
// the environment variable IQNAS_CUDA_TF32=1 at the first product.
void set_tf32(bool on);
}  // namespace cuda
#undef IQNAS_GEMM_DECLS
}  // namespace iqnas
