// CUDA twins of kernels/cpu/elementwise.cpp. Grid-stride loops; the row and column reductions use
// one thread per output (rows are short and many in the shapes this project sees).
#include <algorithm>

#include "kernels/act_math.h"
#include "kernels/cuda/check.h"
#include "kernels/elementwise.h"

namespace iqnas::cuda {
namespace {

#define IQNAS_GRID_LOOP(i, n) \
  for (long long i = blockIdx.x * 256LL + threadIdx.x; i < (n); i += 256LL * gridDim.x)

__global__ void k_act_forward(Act a, const float* x, float* y, long long n) {
  IQNAS_GRID_LOOP(i, n) y[i] = act_value(a, x[i]);
}
__global__ void k_act_backward(Act a, const float* x, const float* gy, float* gx, long long n) {
  IQNAS_GRID_LOOP(i, n) gx[i] = gy[i] * act_derivative(a, x[i]);
}
__global__ void k_add(const float* a, const float* b, float* y, long long n) {
  IQNAS_GRID_LOOP(i, n) y[i] = a[i] + b[i];
}
__global__ void k_axpby(float alpha, const float* x, float beta, float* y, long long n) {
  IQNAS_GRID_LOOP(i, n) y[i] = beta == 0.f ? alpha * x[i] : alpha * x[i] + beta * y[i];
}
__global__ void k_mul(const float* a, const float* b, float* y, long long n) {
  IQNAS_GRID_LOOP(i, n) y[i] = a[i] * b[i];
}
__global__ void k_mul_channels(const float* x, const float* g, float* y, long long S, long long C,
                               long long total) {
  IQNAS_GRID_LOOP(i, total) {
    const long long c = i % C, n = i / (S * C);
    y[i] = x[i] * g[n * C + c];
  }
}
__global__ void k_mul_channels_grad_gate(const float* x, const float* gy, float* gg, long long S,
                                         long long C, long long NC) {
  IQNAS_GRID_LOOP(i, NC) {
    const long long n = i / C, c = i % C;
    float acc = 0.f;
    for (long long s = 0; s < S; ++s) acc += x[(n * S + s) * C + c] * gy[(n * S + s) * C + c];
    gg[i] = acc;
  }
}
__global__ void k_scale_rows(const float* w, const float* x, float* y, long long D, long long total,
                             bool accumulate) {
  IQNAS_GRID_LOOP(i, total) {
    const float v = w[i / D] * x[i];
    y[i] = accumulate ? y[i] + v : v;
  }
}
__global__ void k_dot_rows(const float* a, const float* b, float* out, long long N, long long D) {
  IQNAS_GRID_LOOP(n, N) {
    float acc = 0.f;
    for (long long d = 0; d < D; ++d) acc += a[n * D + d] * b[n * D + d];
    out[n] = acc;
  }
}
__global__ void k_sum_columns(const float* x, float* out, long long M, long long D) {
  IQNAS_GRID_LOOP(d, D) {
    float acc = 0.f;
    for (long long m = 0; m < M; ++m) acc += x[m * D + d];
    out[d] = acc;
  }
}
__global__ void k_add_bias(float* y, const float* b, long long D, long long total) {
  IQNAS_GRID_LOOP(i, total) y[i] += b[i % D];
}
__global__ void k_avgpool_forward(const float* x, float* y, long long S, long long C, long long NC) {
  IQNAS_GRID_LOOP(i, NC) {
    const long long n = i / C, c = i % C;
    float acc = 0.f;
    for (long long s = 0; s < S; ++s) acc += x[(n * S + s) * C + c];
    y[i] = acc / static_cast<float>(S);
  }
}
__global__ void k_avgpool_backward(const float* gy, float* gx, long long S, long long C, long long total) {
  IQNAS_GRID_LOOP(i, total) {
    const long long c = i % C, n = i / (S * C);
    gx[i] = gy[n * C + c] / static_cast<float>(S);
  }
}
// Sum of all elements in double: per-block partial sums (grid-stride, fixed-order tree), then one
// block folds the partials in a fixed order. Deterministic.
__device__ __forceinline__ double block_sum_double(double v, double* sh) {
  sh[threadIdx.x] = v;
  __syncthreads();
  for (unsigned s = 128; s > 0; s >>= 1) {
    if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
    __syncthreads();
  }
  return sh[0];
}
__global__ void k_sum_partial(const float* x, double* part, long long n) {
  __shared__ double sh[256];
  double acc = 0;
  IQNAS_GRID_LOOP(i, n) acc += x[i];
  const double s = block_sum_double(acc, sh);
  if (threadIdx.x == 0) part[blockIdx.x] = s;
}
__global__ void k_sum_final(const double* part, int P, float* out) {
  __shared__ double sh[256];
  double acc = 0;
  for (int p = threadIdx.x; p < P; p += 256) acc += part[p];
  const double s = block_sum_double(acc, sh);
  if (threadIdx.x == 0) out[0] = float(s);
}
__global__ void k_broadcast_scalar(const float* s, float* y, long long n) {
  IQNAS_GRID_LOOP(i, n) y[i] = s[0];
}
#undef IQNAS_GRID_LOOP
}  // namespace

#define IQNAS_LAUNCH(kernel, n, ...)                                    \
  do {                                                                  \
    if ((n) > 0) {                                                      \
      kernel<<<iqnas_grid(n), 256, 0, stream()>>>(__VA_ARGS__);         \
      IQNAS_CUDA_LAUNCH_CHECK();                                        \
    }                                                                   \
  } while (0)

void act_forward(Act a, const float* x, float* y, int64_t n) { IQNAS_LAUNCH(k_act_forward, n, a, x, y, n); }
void act_backward(Act a, const float* x, const float* gy, float* gx, int64_t n) {
  IQNAS_LAUNCH(k_act_backward, n, a, x, gy, gx, n);
}
void add(const float* a, const float* b, float* y, int64_t n) { IQNAS_LAUNCH(k_add, n, a, b, y, n); }
void axpby(float alpha, const float* x, float beta, float* y, int64_t n) {
  IQNAS_LAUNCH(k_axpby, n, alpha, x, beta, y, n);
}
void mul(const float* a, const float* b, float* y, int64_t n) { IQNAS_LAUNCH(k_mul, n, a, b, y, n); }
void mul_channels(const float* x, const float* g, float* y, int64_t N, int64_t S, int64_t C) {
  IQNAS_LAUNCH(k_mul_channels, N * S * C, x, g, y, S, C, N * S * C);
}
void mul_channels_grad_gate(const float* x, const float* gy, float* gg, int64_t N, int64_t S, int64_t C) {
  IQNAS_LAUNCH(k_mul_channels_grad_gate, N * C, x, gy, gg, S, C, N * C);
}
void scale_rows(const float* w, const float* x, float* y, int64_t N, int64_t D, bool accumulate) {
  IQNAS_LAUNCH(k_scale_rows, N * D, w, x, y, D, N * D, accumulate);
}
void dot_rows(const float* a, const float* b, float* out, int64_t N, int64_t D) {
  IQNAS_LAUNCH(k_dot_rows, N, a, b, out, N, D);
}
void sum_columns(const float* x, float* out, int64_t M, int64_t D) {
  IQNAS_LAUNCH(k_sum_columns, D, x, out, M, D);
}
void add_bias(float* y, const float* b, int64_t M, int64_t D) { IQNAS_LAUNCH(k_add_bias, M * D, y, b, D, M * D); }
void avgpool_forward(const float* x, float* y, int64_t N, int64_t S, int64_t C) {
  IQNAS_LAUNCH(k_avgpool_forward, N * C, x, y, S, C, N * C);
}
void avgpool_backward(const float* gy, float* gx, int64_t N, int64_t S, int64_t C) {
  IQNAS_LAUNCH(k_avgpool_backward, N * S * C, gy, gx, S, C, N * S * C);
}
void sum_all(const float* x, float* out, int64_t n) {
  const unsigned blocks = n > 0 ? std::min(iqnas_grid(n), 1024u) : 1u;
  Scratch part(blocks * sizeof(double));
  k_sum_partial<<<blocks, 256, 0, stream()>>>(x, part.as<double>(), n);
  IQNAS_CUDA_LAUNCH_CHECK();
  k_sum_final<<<1, 256, 0, stream()>>>(part.as<double>(), int(blocks), out);
  IQNAS_CUDA_LAUNCH_CHECK();
}
void broadcast_scalar(const float* s, float* y, int64_t n) { IQNAS_LAUNCH(k_broadcast_scalar, n, s, y, n); }

}  // namespace iqnas::cuda
