// Depthwise 2-D convolution, NHWC: x [N,H,W,C], w [K,K,C], y [N,Ho,Wo,C], no bias (a BN follows).
// K in {3,5} (any odd K works), stride 1 or 2, padding usually K/2. Vectorised along channels.
// Backward kernels overwrite their outputs.
#pragma once
#include <cstdint>

namespace iqnas {
struct DwConvArgs {
  int N = 1, H = 1, W = 1, C = 1, K = 3, stride = 1, pad = 1;
  int Ho() const { return (H + 2 * pad - K) / stride + 1; }
  int Wo() const { return (W + 2 * pad - K) / stride + 1; }
};

#define IQNAS_DEPTHWISE_DECLS                                                                    \
  void depthwise_forward(const DwConvArgs& a, const float* x, const float* w, float* y);          \
  void depthwise_backward_data(const DwConvArgs& a, const float* gy, const float* w, float* gx);  \
  void depthwise_backward_weight(const DwConvArgs& a, const float* x, const float* gy, float* gw);

namespace cpu {
IQNAS_DEPTHWISE_DECLS
}
namespace cuda {  // own kernels (kernels/cuda/depthwise.cu); all pointers are device memory
IQNAS_DEPTHWISE_DECLS
}
#undef IQNAS_DEPTHWISE_DECLS
}  // namespace iqnas
