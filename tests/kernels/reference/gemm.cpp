#include "tests/kernels/reference/reference.h"

namespace iqnas::ref {

Doubles gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha, const Floats& A, int64_t lda,
             const Floats& B, int64_t ldb, double beta, const Floats& C, int64_t ldc) {
  Doubles out(C.begin(), C.end());
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k) {
        const double a = trans_a ? A[k * lda + i] : A[i * lda + k];
        const double b = trans_b ? B[j * ldb + k] : B[k * ldb + j];
        s += a * b;
      }
      double& c = out[i * ldc + j];
      c = alpha * s + (beta == 0 ? 0.0 : beta * c);
    }
  return out;
}

}  // namespace iqnas::ref
