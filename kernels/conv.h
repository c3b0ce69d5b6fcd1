// General 2-D convolution (NHWC activations, weights [Cout, KH, KW, Cin/groups]) by im2col + GEMM.
// Used for the stem and any grouped conv that is neither pointwise nor depthwise.
// Backward kernels overwrite their outputs. `ws` is caller-provided scratch of
// conv2d_workspace(args) floats.
#pragma once
#include <cstddef>
#include <cstdint>

namespace iqnas {
struct ConvArgs {
  int N = 1, H = 1, W = 1, Cin = 1, Cout = 1, KH = 1, KW = 1, stride = 1, pad = 0, groups = 1;
  int Ho() const { return (H + 2 * pad - KH) / stride + 1; }
  int Wo() const { return (W + 2 * pad - KW) / stride + 1; }
};
std::size_t conv2d_workspace(const ConvArgs& a);

#define IQNAS_CONV_DECLS                                                                          \
  void conv2d_forward(const ConvArgs& a, const float* x, const float* w, float* y, float* ws);     \
  void conv2d_backward_data(const ConvArgs& a, const float* gy, const float* w, float* gx, float* ws); \
  void conv2d_backward_weight(const ConvArgs& a, const float* x, const float* gy, float* gw, float* ws);

namespace cpu {
IQNAS_CONV_DECLS
}
namespace cuda {  // im2col / col2im kernels + cuBLAS; ws is device memory of the same size
IQNAS_CONV_DECLS
}
#undef IQNAS_CONV_DECLS
}  // namespace iqnas
