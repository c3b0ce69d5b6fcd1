#include <algorithm>
#include "kernels/elementwise.h"

#include <vector>

#include "kernels/act_math.h"

namespace iqnas {

const char* act_name(Act a) {
  switch (a) {
    case Act::ReLU: return "relu";
    case Act::HSwish: return "hswish";
    case Act::HSigmoid: return "hsigmoid";
    case Act::Sigmoid: return "sigmoid";
  }
  return "?";
}

namespace cpu {

// Elementwise loops are parallel only when large enough to pay for the thread start.
constexpr int64_t kParallelMin = 1 << 15;

// One loop instantiation per activation so each inner loop is branch-free and vectorises.
template <Act A>
static void act_forward_loop(const float* __restrict x, float* __restrict y, int64_t n) {
#pragma omp parallel for simd if (n > kParallelMin)
  for (int64_t i = 0; i < n; ++i) y[i] = act_value(A, x[i]);
}

template <Act A>
static void act_backward_loop(const float* __restrict x, const float* __restrict gy, float* __restrict gx, int64_t n) {
#pragma omp parallel for simd if (n > kParallelMin)
  for (int64_t i = 0; i < n; ++i) gx[i] = gy[i] * act_derivative(A, x[i]);
}

void act_forward(Act a, const float* x, float* y, int64_t n) {
  switch (a) {
    case Act::ReLU: return act_forward_loop<Act::ReLU>(x, y, n);
    case Act::HSwish: return act_forward_loop<Act::HSwish>(x, y, n);
    case Act::HSigmoid: return act_forward_loop<Act::HSigmoid>(x, y, n);
    case Act::Sigmoid: return act_forward_loop<Act::Sigmoid>(x, y, n);
  }
}

void act_backward(Act a, const float* x, const float* gy, float* gx, int64_t n) {
  switch (a) {
    case Act::ReLU: return act_backward_loop<Act::ReLU>(x, gy, gx, n);
    case Act::HSwish: return act_backward_loop<Act::HSwish>(x, gy, gx, n);
    case Act::HSigmoid: return act_backward_loop<Act::HSigmoid>(x, gy, gx, n);
    case Act::Sigmoid: return act_backward_loop<Act::Sigmoid>(x, gy, gx, n);
  }
}

void add(const float* a, const float* b, float* y, int64_t n) {
#pragma omp parallel for simd if (n > kParallelMin)
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}

void axpby(float alpha, const float* x, float beta, float* y, int64_t n) {
  if (beta == 0.f) {
#pragma omp parallel for simd if (n > kParallelMin)
    for (int64_t i = 0; i < n; ++i) y[i] = alpha * x[i];
  } else {
#pragma omp parallel for simd if (n > kParallelMin)
    for (int64_t i = 0; i < n; ++i) y[i] = alpha * x[i] + beta * y[i];
  }
}

void mul(const float* a, const float* b, float* y, int64_t n) {
#pragma omp parallel for simd if (n > kParallelMin)
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
}

void mul_channels(const float* x, const float* g, float* y, int64_t N, int64_t S, int64_t C) {
#pragma omp parallel for collapse(2) if (N * S * C > kParallelMin)
  for (int64_t n = 0; n < N; ++n)
    for (int64_t s = 0; s < S; ++s) {
      const float* xr = x + (n * S + s) * C;
      const float* gr = g + n * C;
      float* yr = y + (n * S + s) * C;
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) yr[c] = xr[c] * gr[c];
    }
}

void mul_channels_grad_gate(const float* x, const float* gy, float* gg, int64_t N, int64_t S, int64_t C) {
#pragma omp parallel for if (N * S * C > kParallelMin)
  for (int64_t n = 0; n < N; ++n) {
    float* out = gg + n * C;
    for (int64_t c = 0; c < C; ++c) out[c] = 0.f;
    for (int64_t s = 0; s < S; ++s) {
      const float* xr = x + (n * S + s) * C;
      const float* gr = gy + (n * S + s) * C;
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) out[c] += xr[c] * gr[c];
    }
  }
}

void scale_rows(const float* w, const float* x, float* y, int64_t N, int64_t D, bool accumulate) {
#pragma omp parallel for if (N * D > kParallelMin)
  for (int64_t n = 0; n < N; ++n) {
    const float s = w[n];
    const float* xr = x + n * D;
    float* yr = y + n * D;
    if (accumulate) {
#pragma omp simd
      for (int64_t d = 0; d < D; ++d) yr[d] += s * xr[d];
    } else {
#pragma omp simd
      for (int64_t d = 0; d < D; ++d) yr[d] = s * xr[d];
    }
  }
}

void dot_rows(const float* a, const float* b, float* out, int64_t N, int64_t D) {
#pragma omp parallel for if (N * D > kParallelMin)
  for (int64_t n = 0; n < N; ++n) {
    double acc = 0;
    const float* ar = a + n * D;
    const float* br = b + n * D;
    for (int64_t d = 0; d < D; ++d) acc += static_cast<double>(ar[d]) * br[d];
    out[n] = static_cast<float>(acc);
  }
}

void sum_columns(const float* x, float* out, int64_t M, int64_t D) {
  std::vector<double> acc(static_cast<size_t>(D), 0.0);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t d = 0; d < D; ++d) acc[d] += x[m * D + d];
  for (int64_t d = 0; d < D; ++d) out[d] = static_cast<float>(acc[d]);
}

void add_bias(float* y, const float* b, int64_t M, int64_t D) {
#pragma omp parallel for if (M * D > kParallelMin)
  for (int64_t m = 0; m < M; ++m) {
#pragma omp simd
    for (int64_t d = 0; d < D; ++d) y[m * D + d] += b[d];
  }
}

void avgpool_forward(const float* x, float* y, int64_t N, int64_t S, int64_t C) {
  const float inv = 1.f / static_cast<float>(S);
#pragma omp parallel for if (N * S * C > kParallelMin)
  for (int64_t n = 0; n < N; ++n) {
    float* out = y + n * C;
    for (int64_t c = 0; c < C; ++c) out[c] = 0.f;
    for (int64_t s = 0; s < S; ++s) {
      const float* xr = x + (n * S + s) * C;
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) out[c] += xr[c];
    }
    for (int64_t c = 0; c < C; ++c) out[c] *= inv;
  }
}

void avgpool_backward(const float* gy, float* gx, int64_t N, int64_t S, int64_t C) {
  const float inv = 1.f / static_cast<float>(S);
#pragma omp parallel for collapse(2) if (N * S * C > kParallelMin)
  for (int64_t n = 0; n < N; ++n)
    for (int64_t s = 0; s < S; ++s) {
      float* out = gx + (n * S + s) * C;
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) out[c] = gy[n * C + c] * inv;
    }
}

void sum_all(const float* x, float* out, int64_t n) {
  double acc = 0;
  for (int64_t i = 0; i < n; ++i) acc += x[i];
  out[0] = static_cast<float>(acc);
}

void broadcast_scalar(const float* s, float* y, int64_t n) { std::fill_n(y, n, s[0]); }

}  // namespace cpu
}  // namespace iqnas
