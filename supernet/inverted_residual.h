// The inverted-residual block computation for ONE configuration, over the weights it uses:
//   expand 1x1 + BN + act -> depthwise KxK (stride) + BN + act -> [SE] -> project 1x1 + BN [+ x].
// The supernet calls it with slices of its shared weights (single-path forward), the extracted
// sub-network with its own weights; sharing this function is what makes the two agree exactly.
#pragma once
#include "kernels/elementwise.h"
#include "nn/autograd.h"
#include "nn/layers.h"

namespace iqnas {

// Batch-norm parameters and statistics to use: possibly the first `channels` of a wider BN.
struct BnRef {
  Var gamma, beta;
  Tensor running_mean, running_var;  // views into the BN's buffers (updated in place in training)
  float momentum = 0.1f, eps = 1e-5f;
};
BnRef bn_ref(BatchNorm& bn, int64_t channels);  // the first `channels` of bn
Var apply_bn(const BnRef& bn, const Var& x, bool training);
// activation(apply_bn(...), act) in the batch norm's passes (batch_norm_act).
Var apply_bn_act(const BnRef& bn, const Var& x, Act act, bool training);
// Copies scale, shift and running statistics; `to` shares its tensors with its module.
void copy_bn(const BnRef& from, BnRef to);

struct InvertedResidualWeights {
  Var expand_w;  // [mid, in]
  BnRef expand_bn;
  Var dw_w;      // [K, K, mid]
  BnRef dw_bn;
  bool se = false;
  Var se_w1, se_b1, se_w2, se_b2;  // [hid, mid], [hid], [mid, hid], [mid]
  Var project_w;                   // [out, mid]
  BnRef project_bn;
};

Var inverted_residual(const Var& x, const InvertedResidualWeights& w, int stride, Act act, bool residual,
                      bool training);

}  // namespace iqnas
