// The data-parallel parts of a training step (docs/distributed.md): every rank runs the step on its
// shard of the global batch, then the gradients are averaged over the ranks before the optimiser
// step, so that every rank applies the same update to the same weights.
#pragma once
#include <vector>

#include "dist/communicator.h"
#include "nn/ema.h"
#include "nn/module.h"

namespace iqnas {

// A step's running statistics, summed over the ranks by sync_gradients.
struct StepStats {
  double loss_sum = 0, correct = 0, images = 0;
};

// Averages the parameters' gradients over the ranks (in place; host buckets of a bounded size, one
// MPI all-reduce each). A parameter that has a gradient on any rank gets one on every rank (zeros
// where its rank did not use it: a supernet block that only another rank's samples ran), and one
// without a gradient anywhere keeps none, as in one process. Returns `local` summed over the ranks.
// With one rank: returns `local` and touches nothing.
StepStats sync_gradients(const std::vector<Var>& params, const StepStats& local, dist::Communicator& comm);

// Averages the module's buffers (batch-norm running statistics, which each rank estimates from its
// own shard) over the ranks, and the EMA's copies of them when the EMA averages buffers.
void average_buffers(Module& m, ModelEma* ema, dist::Communicator& comm);

}  // namespace iqnas
