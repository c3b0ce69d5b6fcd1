// CUDA twins of kernels/copy.h: one thread per element of the index space (grid-stride), its
// offsets on both sides decomposed from the linear index. Contiguous copies and zero fills take
// cudaMemcpyAsync / cudaMemsetAsync instead.
#include <cmath>

#include "kernels/copy.h"
#include "kernels/cuda/check.h"

namespace iqnas::cuda {
namespace {
__device__ __forceinline__ void offsets(const StridedLayout& l, long long i, long long& dst, long long& src) {
  dst = 0;
  src = 0;
  for (int d = l.ndim - 1; d >= 0; --d) {
    const long long k = i % l.shape[d];
    i /= l.shape[d];
    dst += k * l.dst_stride[d];
    src += k * l.src_stride[d];
  }
}
__global__ void k_copy_strided(StridedLayout l, float* __restrict__ dst, const float* __restrict__ src, long long n) {
  for (long long i = blockIdx.x * 256LL + threadIdx.x; i < n; i += 256LL * gridDim.x) {
    long long od, os;
    offsets(l, i, od, os);
    dst[od] = src[os];
  }
}
__global__ void k_fill_strided(StridedLayout l, float* __restrict__ dst, float value, long long n) {
  for (long long i = blockIdx.x * 256LL + threadIdx.x; i < n; i += 256LL * gridDim.x) {
    long long od, os;
    offsets(l, i, od, os);
    dst[od] = value;
  }
}
long long count(const StridedLayout& l) {
  long long n = 1;
  for (int d = 0; d < l.ndim; ++d) n *= l.shape[d];
  return n;
}
bool dense(const StridedLayout& l, const int64_t* stride) {  // one contiguous run
  return l.ndim == 0 || (l.ndim == 1 && stride[0] == 1);
}
}  // namespace

void copy_strided(const StridedLayout& l, float* dst, const float* src) {
  const long long n = count(l);
  if (n <= 0) return;
  if (dense(l, l.dst_stride) && dense(l, l.src_stride)) return copy_d2d(dst, src, size_t(n) * sizeof(float));
  k_copy_strided<<<iqnas_grid(n), 256, 0, stream()>>>(l, dst, src, n);
  IQNAS_CUDA_LAUNCH_CHECK();
}

void fill_strided(const StridedLayout& l, float* dst, float value) {
  const long long n = count(l);
  if (n <= 0) return;
  if (value == 0.f && !std::signbit(value) && dense(l, l.dst_stride)) return memset_zero(dst, size_t(n) * sizeof(float));
  k_fill_strided<<<iqnas_grid(n), 256, 0, stream()>>>(l, dst, value, n);
  IQNAS_CUDA_LAUNCH_CHECK();
}

}  // namespace iqnas::cuda
