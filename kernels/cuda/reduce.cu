// CUDA twins of the reductions of kernels/elementwise.h: sum_all, dot_rows, sum_columns,
// avgpool_forward, mul_channels_grad_gate. Every one is split over enough blocks to fill the device
// (about 8 per multiprocessor), with double accumulators and several independent loads in flight
// per thread; each block writes a partial, and a second kernel folds the partials in a fixed
// order (deterministic, no atomics). docs/cuda.md has the bandwidth estimates behind the design.
#include <algorithm>

#include "kernels/cuda/check.h"
#include "kernels/elementwise.h"

namespace iqnas::cuda {
namespace {
constexpr int kTx = 32, kTy = 8;  // column reductions: 32 columns x 8 row slices per block

__device__ __forceinline__ double block_sum_double(double v, double* sh) {
  sh[threadIdx.x] = v;
  __syncthreads();
  for (unsigned s = 128; s > 0; s >>= 1) {
    if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
    __syncthreads();
  }
  const double r = sh[0];
  __syncthreads();  // sh may be reused by the caller
  return r;
}

// part[n, p] = sum of a[n, d] (* b[n, d]) over d = p*256 + t + k*P*256: four loads in flight.
template <bool PROD>
__global__ void k_row_partial(const float* __restrict__ a, const float* __restrict__ b, double* __restrict__ part,
                              long long N, long long D) {
  __shared__ double sh[256];
  const long long P = gridDim.x, step = P * 256;
  for (long long n = blockIdx.y; n < N; n += gridDim.y) {
    const float* ar = a + n * D;
    const float* br = PROD ? b + n * D : nullptr;
    double acc[4] = {0, 0, 0, 0};
    long long d = blockIdx.x * 256LL + threadIdx.x;
    for (; d + 3 * step < D; d += 4 * step)
      for (int u = 0; u < 4; ++u) acc[u] += PROD ? double(ar[d + u * step]) * br[d + u * step] : double(ar[d + u * step]);
    for (; d < D; d += step) acc[0] += PROD ? double(ar[d]) * br[d] : double(ar[d]);
    const double s = block_sum_double((acc[0] + acc[1]) + (acc[2] + acc[3]), sh);
    if (threadIdx.x == 0) part[n * P + blockIdx.x] = s;
  }
}
// out[n] = sum_p part[n, p], in order.
__global__ void k_row_finish(const double* __restrict__ part, long long N, int P, float* __restrict__ out) {
  for (long long n = blockIdx.x * 256LL + threadIdx.x; n < N; n += 256LL * gridDim.x) {
    double s = 0;
    for (int p = 0; p < P; ++p) s += part[n * P + p];
    out[n] = float(s);
  }
}

// part[n, p, c] = sum of a[n, s, c] (* b[n, s, c]) over the rows s = p*kTy + ty + k*P*kTy.
template <bool PROD>
__global__ void __launch_bounds__(kTx* kTy) k_col_partial(const float* __restrict__ a, const float* __restrict__ b,
                                                         double* __restrict__ part, long long N, long long S, int C) {
  __shared__ double red[kTy][kTx];
  const int c = blockIdx.x * kTx + threadIdx.x;
  const bool active = c < C;
  const long long P = gridDim.y, step = P * kTy;
  for (long long n = blockIdx.z; n < N; n += gridDim.z) {
    double acc[4] = {0, 0, 0, 0};
    if (active) {
      const float* an = a + n * S * C + c;
      const float* bn = PROD ? b + n * S * C + c : nullptr;
      long long s = blockIdx.y * kTy + threadIdx.y;
      for (; s + 3 * step < S; s += 4 * step)
        for (int u = 0; u < 4; ++u) {
          const long long o = (s + u * step) * C;
          acc[u] += PROD ? double(an[o]) * bn[o] : double(an[o]);
        }
      for (; s < S; s += step) acc[0] += PROD ? double(an[s * C]) * bn[s * C] : double(an[s * C]);
    }
    red[threadIdx.y][threadIdx.x] = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    __syncthreads();
    if (threadIdx.y == 0 && active) {
      double t = 0;
      for (int u = 0; u < kTy; ++u) t += red[u][threadIdx.x];
      part[(n * P + blockIdx.y) * C + c] = t;
    }
    __syncthreads();
  }
}
// out[n, c] = scale * sum_p part[n, p, c], in order.
__global__ void k_col_finish(const double* __restrict__ part, long long N, int P, int C, float scale,
                             float* __restrict__ out) {
  for (long long i = blockIdx.x * 256LL + threadIdx.x; i < N * C; i += 256LL * gridDim.x) {
    const long long n = i / C, c = i % C;
    double s = 0;
    for (int p = 0; p < P; ++p) s += part[(n * P + p) * C + c];
    out[i] = float(double(scale) * s);
  }
}

long long ceil_div(long long a, long long b) { return (a + b - 1) / b; }
unsigned clamp_grid(long long v, long long hi) { return unsigned(std::clamp<long long>(v, 1, std::max(1LL, hi))); }

// Row reductions: P blocks per row, enough for about 8 blocks per multiprocessor in all.
template <bool PROD>
void rows(const float* a, const float* b, float* out, int64_t N, int64_t D) {
  if (N <= 0) return;
  const unsigned P = clamp_grid(ceil_div(8LL * sm_count(), N), ceil_div(D, 1024));
  const unsigned gy = clamp_grid(N, 65535);
  Scratch part(size_t(N) * P * sizeof(double));
  k_row_partial<PROD><<<dim3{P, gy}, 256, 0, stream()>>>(a, b, part.as<double>(), N, D);
  IQNAS_CUDA_LAUNCH_CHECK();
  k_row_finish<<<iqnas_grid(N), 256, 0, stream()>>>(part.as<double>(), N, int(P), out);
  IQNAS_CUDA_LAUNCH_CHECK();
}

// Column reductions over the S rows of each of N samples: P row slices per column block.
template <bool PROD>
void columns(const float* a, const float* b, float* out, int64_t N, int64_t S, int64_t C, float scale) {
  if (N <= 0 || C <= 0) return;
  const long long bx = ceil_div(C, kTx);
  const unsigned P = clamp_grid(ceil_div(8LL * sm_count(), bx * N), ceil_div(S, 4 * kTy));
  const unsigned gz = clamp_grid(N, 65535);
  Scratch part(size_t(N) * P * size_t(C) * sizeof(double));
  k_col_partial<PROD><<<dim3{unsigned(bx), P, gz}, dim3{kTx, kTy}, 0, stream()>>>(a, b, part.as<double>(), N, S,
                                                                                 int(C));
  IQNAS_CUDA_LAUNCH_CHECK();
  k_col_finish<<<iqnas_grid(N * C), 256, 0, stream()>>>(part.as<double>(), N, int(P), int(C), scale, out);
  IQNAS_CUDA_LAUNCH_CHECK();
}
}  // namespace

void sum_all(const float* x, float* out, int64_t n) { rows<false>(x, nullptr, out, 1, n); }
void dot_rows(const float* a, const float* b, float* out, int64_t N, int64_t D) { rows<true>(a, b, out, N, D); }
void sum_columns(const float* x, float* out, int64_t M, int64_t D) { columns<false>(x, nullptr, out, 1, M, D, 1.f); }
void avgpool_forward(const float* x, float* y, int64_t N, int64_t S, int64_t C) {
  columns<false>(x, nullptr, y, N, S, C, 1.f / float(S));
}
void mul_channels_grad_gate(const float* x, const float* gy, float* gg, int64_t N, int64_t S, int64_t C) {
  columns<true>(x, gy, gg, N, S, C, 1.f);
}

}  // namespace iqnas::cuda
