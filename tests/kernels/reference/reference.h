// Plain reference kernels, one per kernel family (kernels/<family>.h): scalar loops in the
// order of the definition, accumulating in double. They are the tests' oracle (tests/kernels/) and
// the newcomer's spec of what each family computes; speed is no concern here. Arguments are the
// kernels' own structs (kernels/<family>.h); inputs are float as the kernels read them, results
// double.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/conv.h"
#include "kernels/copy.h"
#include "kernels/depthwise.h"
#include "kernels/elementwise.h"
#include "kernels/optim.h"

namespace iqnas::ref {

using Floats = std::vector<float>;
using Doubles = std::vector<double>;
using Labels = std::vector<int32_t>;
using Indices = std::vector<int64_t>;

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

// ---- elementwise and broadcast (kernels/elementwise.h) ----------------------------------------
// The activations as PyTorch defines them, and their derivatives with PyTorch's values at the kinks
// (ReLU at 0: 0; h-swish at -3: -0.5, at 3: 1.5; h-sigmoid at +-3: 0).
double act(Act a, double x);
double act_derivative(Act a, double x);
Doubles act_forward(Act a, const Floats& x);
Doubles act_backward(Act a, const Floats& x, const Floats& gy);  // gy * act'(x)
Doubles add(const Floats& a, const Floats& b);
Doubles mul(const Floats& a, const Floats& b);
// alpha * x + beta * y; beta == 0 does not read y (it may hold NaN).
Doubles axpby(double alpha, const Floats& x, double beta, const Floats& y);
// x [N, S, C], g [N, C]: x[n, s, c] * g[n, c]; and the gate's gradient sum_s gy[n, s, c] x[n, s, c].
Doubles mul_channels(const Floats& x, const Floats& g, int64_t N, int64_t S, int64_t C);
Doubles mul_channels_grad_gate(const Floats& x, const Floats& gy, int64_t N, int64_t S, int64_t C);
// x [N, D], w [N]: w[n] * x[n, d], plus y[n, d] when accumulating (y is not read otherwise).
Doubles scale_rows(const Floats& w, const Floats& x, const Floats& y, int64_t N, int64_t D, bool accumulate);
Doubles dot_rows(const Floats& a, const Floats& b, int64_t N, int64_t D);  // [N]
Doubles sum_columns(const Floats& x, int64_t M, int64_t D);                // [D]
Doubles add_bias(const Floats& y, const Floats& b, int64_t M, int64_t D);   // y[m, d] + b[d]
// Global average pooling x [N, S, C] -> [N, C], and its gradient gy / S at every position.
Doubles avgpool_forward(const Floats& x, int64_t N, int64_t S, int64_t C);
Doubles avgpool_backward(const Floats& gy, int64_t N, int64_t S, int64_t C);
double sum_all(const Floats& x);

// ---- losses over logits [N, K] (kernels/loss.h) -----------------------------------------------
// Cross-entropy against labels smoothed to (1 - smoothing) on the label and smoothing / K on
// every class; prob = softmax(logits).
struct XentForward {
  Doubles prob, loss;
};
XentForward softmax_xent_forward(const Floats& logits, const Labels& labels, double smoothing, int64_t N, int64_t K);
// The gradient of gscale * sum_n loss[n] with respect to the logits.
Doubles softmax_xent_backward(const Floats& logits, const Labels& labels, double smoothing, double gscale, int64_t N,
                              int64_t K);
// loss[n] = T^2 KL(pt || ps), ps = softmax(student / T), pt = softmax(teacher / T).
struct KlForward {
  Doubles ps, pt, loss;
};
KlForward kl_div_forward(const Floats& student, const Floats& teacher, double T, int64_t N, int64_t K);
// The gradients of gscale * sum_n loss[n] with respect to both sets of logits.
struct KlBackward {
  Doubles gstudent, gteacher;
};
KlBackward kl_div_backward(const Floats& student, const Floats& teacher, double T, double gscale, int64_t N, int64_t K);

// ---- rows (kernels/rows.h) ----------------------------------------------------------------------
Doubles gather_rows(const Floats& x, const Indices& idx, int64_t D);  // row r = x[idx[r]]
// y with row idx[r] replaced by x[r]; the other rows keep y's values.
Doubles scatter_rows(const Floats& x, const Indices& idx, const Floats& y, int64_t D);

// ---- strided copies (kernels/copy.h) ----------------------------------------------------------
// dst after the copy or fill of every index of the layout (each index taken apart into its coordinates);
// the elements of dst outside the layout keep their values.
Doubles copy_strided(const StridedLayout& l, const Floats& dst, const Floats& src);
Doubles fill_strided(const StridedLayout& l, const Floats& dst, double value);

// ---- optimiser (kernels/optim.h) --------------------------------------------------------------
struct SgdState {
  Doubles p, buf;  // buf: unchanged when momentum == 0
};
SgdState sgd_step(const SgdArgs& a, const Floats& p, const Floats& g, const Floats& buf);
Doubles ema_update(double decay, const Floats& p, const Floats& ema);  // decay * ema + (1 - decay) * p

}  // namespace iqnas::ref
