// The data-parallel parts of a training step (docs/distributed.md): every rank runs the step on its
// shard of the global batch, then the gradients are averaged over the ranks before the optimiser
// step, so that every rank applies the same update to the same weights.
#pragma once
#include <memory>
#include <vector>

#include "dist/communicator.h"
#include "nn/ema.h"
#include "nn/module.h"
#include "nn/ops/norm.h"
#include "nn/train/nccl_reducer.h"

namespace iqnas {

// A step's running statistics, summed over the ranks by GradientReducer.
struct StepStats {
  double loss_sum = 0, correct = 0, images = 0;
};

// Averages the parameters' gradients over the ranks, overlapped with the backward pass. The
// parameters are split into a few buckets, in reverse order of registration (about the order in
// which the backward pass completes their gradients). A bucket's all-reduce starts from the
// autograd hook of its last parameter to complete (Var::set_grad_hook) once every earlier bucket
// has started: every rank starts the same all-reduces in the same order, and the transfer of the
// last layers' gradients runs while the first layers' are computed. finish() starts the buckets
// that are left (those with a parameter that this rank's batch did not use), waits for all and
// gives each parameter the average.
//
// A parameter that has a gradient on any rank gets one on every rank (zeros where its rank did not
// use it: a supernet block that only another rank's samples ran); one without a gradient anywhere
// keeps none, as in one process (a flag per parameter rides in its bucket). Gradients on the GPU
// are all-reduced in device memory over NCCL where the CUDA module has it (NcclReducer), else
// through host memory over MPI. With one rank nothing is installed and nothing is touched.
class GradientReducer {
 public:
  // The parameters must all live on one device; hooks stay installed until destruction.
  GradientReducer(const std::vector<Var>& params, dist::Communicator& comm);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Before the backward pass: the step's statistics start their (sum) all-reduce.
  void begin(const StepStats& local);
  // After the backward pass: the averaged gradients are in place (views of this step's buckets);
  // returns the step's statistics summed over the ranks.
  StepStats finish();

 private:
  struct Bucket {
    std::vector<size_t> params;
    int64_t floats = 0;  // gradients; then one flag per parameter
    size_t left = 0;     // parameters whose gradient is not complete yet in this step
    Tensor buffer;
    std::unique_ptr<dist::Pending> pending;
  };
  void ready(size_t param);
  void start(Bucket& b);

  std::vector<Var> params_;
  dist::Communicator& comm_;
  std::unique_ptr<NcclReducer> nccl_;
  Device buffer_device_ = Device::CPU;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_;
  size_t next_ = 0;  // the next bucket to start
  bool active_ = false;
  double stats_[3] = {0, 0, 0};
  std::unique_ptr<dist::Pending> stats_pending_;
};

// Synchronised batch norm over the ranks (LoopConfig::bn_sync): the batch-norm op's per-channel
// sums, all-reduced over `comm` (host memory, MPI).
class RankBatchNormSync final : public BatchNormSync {
 public:
  explicit RankBatchNormSync(dist::Communicator& comm) : comm_(comm) {}
  void sum(double* values, size_t n) override;

 private:
  dist::Communicator& comm_;
};

// Averages the module's buffers (batch-norm running statistics, which each rank estimates from its
// own shard) over the ranks, and the EMA's copies of them when the EMA averages buffers.
void average_buffers(Module& m, ModelEma* ema, dist::Communicator& comm);

}  // namespace iqnas
