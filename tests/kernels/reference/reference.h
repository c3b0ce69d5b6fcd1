// Plain reference kernels, one per kernel family with a kernel-level test: scalar loops in the
// order of the definition, accumulating in double. They are the tests' oracle (tests/kernels/) and
// the newcomer's spec of what each family computes; speed is no concern here. Arguments are the
// kernels' own structs (kernels/<family>.h); inputs are float as the kernels read them, results
// double.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/conv.h"
#include "kernels/depthwise.h"

namespace iqnas::ref {

using Floats = std::vector<float>;
using Doubles = std::vector<double>;

// C[M, N] (row stride ldc) = alpha * op(A) op(B) + beta * C, kernels/gemm.h. The result has C's
// size: the padding columns j >= N keep C's values, and beta == 0 does not read C.
Doubles gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha, const Floats& A, int64_t lda,
             const Floats& B, int64_t ldb, double beta, const Floats& C, int64_t ldc);

// General convolution (kernels/conv.h): y [N, Ho, Wo, Cout], x [N, H, W, Cin],
// w [Cout, KH, KW, Cin / groups]; the backward passes are the same sum taken the other ways.
Doubles conv2d_forward(const ConvArgs& a, const Floats& x, const Floats& w);
Doubles conv2d_backward_data(const ConvArgs& a, const Floats& gy, const Floats& w);
Doubles conv2d_backward_weight(const ConvArgs& a, const Floats& x, const Floats& gy);

// Depthwise convolution (kernels/depthwise.h): x [N, H, W, C], w [K, K, C], y [N, Ho, Wo, C].
Doubles depthwise_forward(const DwConvArgs& a, const Floats& x, const Floats& w);
Doubles depthwise_backward_data(const DwConvArgs& a, const Floats& gy, const Floats& w);
Doubles depthwise_backward_weight(const DwConvArgs& a, const Floats& x, const Floats& gy);

// Batch norm over x [M, C] (kernels/batchnorm.h).
struct BnForward {
  Doubles y, mean, var, invstd;  // var: biased (the normalisation's); invstd = 1 / sqrt(var + eps)
};
BnForward batchnorm_forward_train(const BnArgs& a, const Floats& x, const Floats& gamma, const Floats& beta);
Doubles batchnorm_forward_eval(const BnArgs& a, const Floats& x, const Floats& gamma, const Floats& beta,
                               const Floats& running_mean, const Floats& running_var);
struct BnBackward {
  Doubles gx, ggamma, gbeta;
};
// The gradients of sum(gy * y) for y = batchnorm_forward_train(x), with the batch statistics of x.
BnBackward batchnorm_backward(const BnArgs& a, const Floats& x, const Floats& gy, const Floats& gamma);
// running = (1 - momentum) * running + momentum * batch statistic (the variance unbiased).
struct BnRunning {
  Doubles mean, var;
};
BnRunning batchnorm_update_running(const BnArgs& a, double momentum, const Floats& x, const Floats& running_mean,
                                   const Floats& running_var);

}  // namespace iqnas::ref
