// Row gather/scatter on the GPU: one thread per element; idx is device memory.
#include "kernels/cuda/check.h"
#include "kernels/rows.h"

namespace iqnas::cuda {
namespace {
// SCATTER ? y[idx[r]] = x[r] : y[r] = x[idx[r]]
template <bool SCATTER>
__global__ void k_rows(const float* __restrict__ x, const int64_t* __restrict__ idx, float* __restrict__ y,
                       long long D, long long total) {
  for (long long i = blockIdx.x * 256LL + threadIdx.x; i < total; i += 256LL * gridDim.x) {
    const long long r = i / D, d = i % D;
    const long long j = idx[r];
    if constexpr (SCATTER)
      y[j * D + d] = x[i];
    else
      y[i] = x[j * D + d];
  }
}
}  // namespace

void gather_rows(const float* x, const int64_t* idx, float* y, int64_t R, int64_t D) {
  if (R <= 0 || D <= 0) return;
  k_rows<false><<<iqnas_grid(R * D), 256, 0, stream()>>>(x, idx, y, D, R * D);
  IQNAS_CUDA_LAUNCH_CHECK();
}

void scatter_rows(const float* x, const int64_t* idx, float* y, int64_t R, int64_t D) {
  if (R <= 0 || D <= 0) return;
  k_rows<true><<<iqnas_grid(R * D), 256, 0, stream()>>>(x, idx, y, D, R * D);
  IQNAS_CUDA_LAUNCH_CHECK();
}
}  // namespace iqnas::cuda
