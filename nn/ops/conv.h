// Convolutions on NHWC activations.
#pragma once
#include "nn/autograd.h"

namespace iqnas {
// x [N,H,W,Cin], w [Cout,KH,KW,Cin/groups] -> [N,Ho,Wo,Cout] (im2col + GEMM).
Var conv2d(const Var& x, const Var& w, int stride, int pad, int groups = 1);
// 1x1 convolution as a GEMM: x [..., Cin], w [Cout, Cin] -> [..., Cout].
Var pointwise_conv(const Var& x, const Var& w);
// Depthwise: x [N,H,W,C], w [K,K,C] -> [N,Ho,Wo,C], padding K/2 unless given.
Var depthwise_conv(const Var& x, const Var& w, int stride, int pad = -1);
// Fully connected: x [N, D], w [O, D], b [O] (may be undefined) -> [N, O].
Var linear(const Var& x, const Var& w, const Var& b);
}  // namespace iqnas
