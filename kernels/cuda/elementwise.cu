// CUDA twins of kernels/cpu/elementwise.cpp: grid-stride loops. The reductions are in reduce.cu.
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
__global__ void k_scale_rows(const float* w, const float* x, float* y, long long D, long long total,
                             bool accumulate) {
  IQNAS_GRID_LOOP(i, total) {
    const float v = w[i / D] * x[i];
    y[i] = accumulate ? y[i] + v : v;
  }
}
__global__ void k_add_bias(float* y, const float* b, long long D, long long total) {
  IQNAS_GRID_LOOP(i, total) y[i] += b[i % D];
}
__global__ void k_avgpool_backward(const float* gy, float* gx, long long S, long long C, long long total) {
  IQNAS_GRID_LOOP(i, total) {
    const long long c = i % C, n = i / (S * C);
    gx[i] = gy[n * C + c] / static_cast<float>(S);
  }
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
void scale_rows(const float* w, const float* x, float* y, int64_t N, int64_t D, bool accumulate) {
  IQNAS_LAUNCH(k_scale_rows, N * D, w, x, y, D, N * D, accumulate);
}
void add_bias(float* y, const float* b, int64_t M, int64_t D) { IQNAS_LAUNCH(k_add_bias, M * D, y, b, D, M * D); }
void avgpool_backward(const float* gy, float* gx, int64_t N, int64_t S, int64_t C) {
  IQNAS_LAUNCH(k_avgpool_backward, N * S * C, gy, gx, S, C, N * S * C);
}
void broadcast_scalar(const float* s, float* y, int64_t n) { IQNAS_LAUNCH(k_broadcast_scalar, n, s, y, n); }

}  // namespace iqnas::cuda
