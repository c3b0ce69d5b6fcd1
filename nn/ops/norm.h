// Batch normalisation over the last (channel) dimension of x [..., C].
#pragma once
#include <cstddef>

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

// Synchronised batch norm (docs/distributed.md). While a BatchNormSync is installed on this thread
// (BatchNormSyncScope), training-mode batch norms normalise by the statistics of the rows of every
// replica of a data-parallel step: the per-channel sums of the forward (rows, mean, variance) and
// of the backward (sum of gy, sum of gy * xhat) are summed over the replicas through it, so that W
// replicas compute what one process computes with all their rows. Every replica must then run the
// same batch norms in the same order. How the sums travel is the installer's (nn/train/).
class BatchNormSync {
 public:
  virtual ~BatchNormSync() = default;
  virtual void sum(double* values, size_t n) = 0;  // element-wise over the replicas, in place
};
class BatchNormSyncScope {
 public:
  explicit BatchNormSyncScope(BatchNormSync* sync);  // nullptr: per-replica statistics
  ~BatchNormSyncScope();
  BatchNormSyncScope(const BatchNormSyncScope&) = delete;
  BatchNormSyncScope& operator=(const BatchNormSyncScope&) = delete;

 private:
  BatchNormSync* prev_;
};
}  // namespace iqnas
