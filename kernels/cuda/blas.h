// The backend's cuBLAS handle (created once, bound to stream()) and status checking.
#pragma once
#include <cublas_v2.h>

#include "kernels/cuda/check.h"

namespace iqnas::cuda {
inline void check_blas(cublasStatus_t s, const char* what, const char* file, int line) {
  if (s != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string("cuBLAS error in ") + what + " at " + file + ":" +
                             std::to_string(line) + ": status " + std::to_string(int(s)));
}
cublasHandle_t blas();  // kernels/cuda/gemm.cu
}  // namespace iqnas::cuda

#define IQNAS_CUBLAS_CHECK(call) ::iqnas::cuda::check_blas((call), #call, __FILE__, __LINE__)
