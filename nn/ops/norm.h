// Batch normalisation over the last (channel) dimension of x [..., C].
#pragma once
#include "kernels/elementwise.h"
#include "nn/autograd.h"

namespace iqnas {
struct BatchNormState {
  Tensor* running_mean;  // [C], updated in training mode
  Tensor* running_var;   // [C], unbiased batch variance folded in
  float momentum = 0.1f;
  float eps = 1e-5f;
};
// Training: normalises with batch statistics and updates the running ones. Eval: uses the running
// statistics. Gradients flow to x, gamma and beta in both modes.
Var batch_norm(const Var& x, const Var& gamma, const Var& beta, const BatchNormState& s, bool training);
// activation(batch_norm(...), act). Training runs both in the batch norm's passes
// (kernels/batchnorm.h: one pass less each way, no pre-activation tensor kept for the backward);
// eval mode runs the two ops.
Var batch_norm_act(const Var& x, const Var& gamma, const Var& beta, const BatchNormState& s, bool training, Act act);
}  // namespace iqnas
