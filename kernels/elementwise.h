// Elementwise and broadcast kernels shared by the CPU (kernels/cpu/elementwise.cpp) and CUDA
// (kernels/cuda/elementwise.cu) backends. Outputs are overwritten unless the name says accumulate.
#pragma once
#include <cstdint>

namespace iqnas {

enum class Act : int { ReLU = 0, HSwish = 1, HSigmoid = 2, Sigmoid = 3 };
const char* act_name(Act a);

#define IQNAS_ELEMENTWISE_DECLS                                                                  \
  void act_forward(Act a, const float* x, float* y, int64_t n);                                  \
  /* gx = gy * act'(x) */                                                                        \
  void act_backward(Act a, const float* x, const float* gy, float* gx, int64_t n);               \
  void add(const float* a, const float* b, float* y, int64_t n);                                 \
  /* y = alpha * x + beta * y; beta == 0 assigns (y may hold garbage) */                         \
  void axpby(float alpha, const float* x, float beta, float* y, int64_t n);                      \
  void mul(const float* a, const float* b, float* y, int64_t n);                                 \
  /* x, y [N, S, C], g [N, C]: y = x * g broadcast over S (SE gates, per-sample channel masks) */ \
  void mul_channels(const float* x, const float* g, float* y, int64_t N, int64_t S, int64_t C);  \
  /* gg[n, c] = sum_s gy[n, s, c] * x[n, s, c] */                                                \
  void mul_channels_grad_gate(const float* x, const float* gy, float* gg, int64_t N, int64_t S,   \
                              int64_t C);                                                        \
  /* x, y [N, D], w [N]: y = w[n] * x (accumulate: y += w[n] * x) */                             \
  void scale_rows(const float* w, const float* x, float* y, int64_t N, int64_t D, bool accumulate); \
  /* out[n] = sum_d a[n, d] * b[n, d] */                                                         \
  void dot_rows(const float* a, const float* b, float* out, int64_t N, int64_t D);               \
  /* out[d] = sum_m x[m, d] */                                                                   \
  void sum_columns(const float* x, float* out, int64_t M, int64_t D);                            \
  /* y[m, d] += b[d] */                                                                          \
  void add_bias(float* y, const float* b, int64_t M, int64_t D);                                 \
  /* global average pooling: x [N, S, C] -> y [N, C] */                                          \
  void avgpool_forward(const float* x, float* y, int64_t N, int64_t S, int64_t C);               \
  void avgpool_backward(const float* gy, float* gx, int64_t N, int64_t S, int64_t C);            \
  /* sum of all elements into out[0] (double accumulation) */                                    \
  void sum_all(const float* x, float* out, int64_t n);                                           \
  /* y[i] = s[0]: a scalar that stays on the device (no host round trip) */                      \
  void broadcast_scalar(const float* s, float* y, int64_t n);

namespace cpu {
IQNAS_ELEMENTWISE_DECLS
}
namespace cuda {
IQNAS_ELEMENTWISE_DECLS
}
#undef IQNAS_ELEMENTWISE_DECLS

}  // namespace iqnas
