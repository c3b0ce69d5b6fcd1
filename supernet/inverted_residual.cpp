#include "supernet/inverted_residual.h"

#include "nn/ops.h"

namespace iqnas {

BnRef bn_ref(BatchNorm& bn, int64_t c) {
  const int64_t full = bn.gamma.dim(0);
  BnRef r;
  r.gamma = c == full ? bn.gamma : slice(bn.gamma, 0, 0, c);
  r.beta = c == full ? bn.beta : slice(bn.beta, 0, 0, c);
  r.running_mean = bn.running_mean.slice(0, 0, c);  // a contiguous prefix: views write through
  r.running_var = bn.running_var.slice(0, 0, c);
  r.momentum = bn.momentum, r.eps = bn.eps;
  return r;
}

void copy_bn(const BnRef& from, BnRef to) {
  to.gamma.value().copy_(from.gamma.value());
  to.beta.value().copy_(from.beta.value());
  to.running_mean.copy_(from.running_mean);
  to.running_var.copy_(from.running_var);
}

Var apply_bn(const BnRef& bn, const Var& x, bool training) {
  Tensor mean = bn.running_mean, var = bn.running_var;  // views: updates reach the BN's buffers
  return batch_norm(x, bn.gamma, bn.beta, BatchNormState{&mean, &var, bn.momentum, bn.eps}, training);
}

Var apply_bn_act(const BnRef& bn, const Var& x, Act act, bool training) {
  Tensor mean = bn.running_mean, var = bn.running_var;
  return batch_norm_act(x, bn.gamma, bn.beta, BatchNormState{&mean, &var, bn.momentum, bn.eps}, training, act);
}

Var inverted_residual(const Var& x, const InvertedResidualWeights& w, int stride, Act act, bool residual,
                      bool training) {
  Var h = apply_bn_act(w.expand_bn, pointwise_conv(x, w.expand_w), act, training);
  Var d = apply_bn_act(w.dw_bn, depthwise_conv(h, w.dw_w, stride), act, training);
  if (w.se) {
    Var hidden = relu(linear(global_avg_pool(d), w.se_w1, w.se_b1));
    d = mul_channels(d, hsigmoid(linear(hidden, w.se_w2, w.se_b2)));
  }
  Var y = apply_bn(w.project_bn, pointwise_conv(d, w.project_w), training);
  return residual ? add(y, x) : y;
}

}  // namespace iqnas
