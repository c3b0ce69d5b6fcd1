// Dense products through cuBLAS. cuBLAS is column-major; a row-major matrix X with row stride ld
// is, read column-major, X^T with leading dimension ld. So the row-major product
//   C[M,N] = op(A)[M,K] * op(B)[K,N]   is the column-major product   C^T[N,M] = op(B)^T * op(A)^T,
// i.e. cublasSgemm with the operands swapped (B first), m = N, n = M, and each operand's own
// transpose flag (a row-major X that is not transposed is passed as CUBLAS_OP_N: its column-major
// reading is already the X^T the identity needs).
#include <climits>
#include <cstdlib>
#include <mutex>

#include "kernels/cuda/blas.h"
#include "kernels/gemm.h"

namespace iqnas::cuda {
namespace {
int tf32_mode = -1;  // -1: not decided yet (read IQNAS_CUDA_TF32 at first use)

int checked_int(int64_t v, const char* what) {
  if (v < 0 || v > INT_MAX) throw std::invalid_argument(std::string("cuda::gemm: ") + what + " out of int range");
  return static_cast<int>(v);
}
}  // namespace

cublasHandle_t blas() {
  static cublasHandle_t h = [] {
    cublasHandle_t handle;
    IQNAS_CUBLAS_CHECK(cublasCreate(&handle));
    IQNAS_CUBLAS_CHECK(cublasSetStream(handle, stream()));
    return handle;
  }();
  return h;
}

void set_tf32(bool on) {
  tf32_mode = on ? 1 : 0;
  IQNAS_CUBLAS_CHECK(cublasSetMathMode(blas(), on ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
}

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (tf32_mode < 0) {
    const char* e = std::getenv("IQNAS_CUDA_TF32");
    set_tf32(e && e[0] == '1');
  }
  if (K <= 0) {  // C = beta * C (cuBLAS would do the same, but say it plainly)
    for (int64_t m = 0; m < M; ++m) {
      if (beta == 0.f) {
        IQNAS_CUDA_CHECK(cudaMemsetAsync(C + m * ldc, 0, sizeof(float) * size_t(N), stream()));
      } else {
        IQNAS_CUBLAS_CHECK(cublasSscal(blas(), checked_int(N, "N"), &beta, C + m * ldc, 1));
      }
    }
    return;
  }
  const cublasOperation_t opa = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t opb = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  IQNAS_CUBLAS_CHECK(cublasSgemm(blas(), opb, opa, checked_int(N, "N"), checked_int(M, "M"),
                                 checked_int(K, "K"), &alpha, B, checked_int(ldb, "ldb"), A,
                                 checked_int(lda, "lda"), &beta, C, checked_int(ldc, "ldc")));
}

}  // namespace iqnas::cuda
