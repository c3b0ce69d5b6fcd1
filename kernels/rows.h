// Row gather/scatter over x viewed as [rows, D]: the supernet routes the samples of a batch to the
// batch norm of their own configuration and back.
#pragma once
#include <cstdint>

namespace iqnas {
#define IQNAS_ROWS_DECLS                                                                  \
  /* y[r] = x[idx[r]] for r < R */                                                        \
  void gather_rows(const float* x, const int64_t* idx, float* y, int64_t R, int64_t D);   \
  /* y[idx[r]] = x[r] for r < R (indices distinct; other rows of y untouched) */          \
  void scatter_rows(const float* x, const int64_t* idx, float* y, int64_t R, int64_t D);

namespace cpu {
IQNAS_ROWS_DECLS
}
// CUDA twins (kernels/cuda/rows.cu): x, y and idx are all DEVICE memory.
namespace cuda {
IQNAS_ROWS_DECLS
}
#undef IQNAS_ROWS_DECLS
}  // namespace iqnas
