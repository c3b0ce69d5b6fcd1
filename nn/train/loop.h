// The one training loop of the project, used by every stage (heaviest network, supernet,
// fine-tuning) and by `iqnas train`: loader, SGD, learning-rate schedule, EMA of the weights, NaN
// check, progress line, CSV log and checkpoints with exact resumption. What a step computes is a
// callback (StepFn); the loop owns everything else.
//
// A run writes its checkpoint (model + optimiser + EMA + step) every `checkpoint_every` steps and at
// the end of every epoch, atomically. Started again with the same checkpoint path it resumes from
// the last one; batches, path sampling and dropout depend only on (seed, step), so on the CPU a
// resumed run reaches bit-identical weights (raw and EMA) to an uninterrupted one.
//
// Started by mpirun in a build with MPI, the loop is data-parallel (docs/distributed.md): each rank
// loads and computes batch_size / ranks images of every step (batch_size stays the global batch, so
// the learning rate is that of the global batch), the gradients are averaged over the ranks (their
// all-reduces overlapped with the backward pass), batch norm keeps per-rank statistics (averaged
// over the ranks before every checkpoint) or, with bn_sync, normalises over every rank's rows, and
// rank 0 alone prints progress and writes the log and the checkpoints, which every rank resumes from.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dist/communicator.h"
#include "nn/checkpoint.h"
#include "nn/data/augment.h"
#include "nn/data/dataset.h"
#include "nn/data/loader.h"
#include "nn/module.h"

namespace iqnas {

// "cpu" | "cuda"; std::invalid_argument for another name, std::runtime_error for "cuda" when this
// build or this machine has no CUDA device (so that a run fails at once, not at its first batch).
Device parse_device(const std::string& name);

struct LoopConfig {
  int epochs = 3;
  int64_t batch_size = 64;
  double lr = 0.1, momentum = 0.9, weight_decay = 4e-5;
  bool nesterov = true;
  std::string schedule = "cosine";  // cosine | step | constant (nn/schedule.h)
  double warmup_epochs = 0.2, warmup_start_factor = 0.1;
  double step_gamma = 0.97, step_epochs = 2.4;
  double final_lr = 0.0, cooldown_epochs = 0.0;  // cosine reaches final_lr cooldown_epochs before the end
  // > 0: EMA of parameters and buffers, updated after every step, with the decay's warm-up
  // min(ema_decay, (1 + t) / (10 + t)) (nn/ema.h) so that the initial weights do not linger in short
  // runs; the reference has no warm-up, which makes no difference after a few thousand steps.
  double ema_decay = 0.0;
  int64_t checkpoint_every = 200;
  int64_t train_images = 0;  // 0: all; else the first N of the training set
  int loader_threads = 2;
  int64_t log_every = 20;
  uint64_t seed = 0;
  int64_t stop_after_steps = 0;  // > 0: stop (as if killed) after this many steps; for tests
  Device device = Device::CPU;
  dist::Communicator* comm = nullptr;  // the ranks that train together; nullptr: dist::world()
  // Batch norm over the rows of every rank (nn/ops/norm.h BatchNormSync) instead of each rank's own;
  // every rank must then run the same batch norms in a step (docs/distributed.md).
  bool bn_sync = false;
  // Worker threads as ranks (docs/distributed.md, "Threads as ranks"): each of N threads runs the
  // whole step on its share of the batch with a model of its own (ReplicaFn) and OMP threads / N
  // OpenMP threads inside, the gradients summed in memory. 0: as many as OpenMP threads
  // (OMP_NUM_THREADS) where the run allows it (CPU, one process, a ReplicaFn, batch_size a multiple
  // of them), else 1; 1: off (one model, OpenMP threads inside each op).
  int threads = 0;
  // Every replica runs the same batch norms in a step (false: per-sample paths). Thread-parallel
  // runs then synchronise batch norm over the threads (N threads train what 1 thread trains, to
  // float rounding); otherwise each thread keeps statistics of its own rows.
  bool same_layers = true;
  bool progress = true;  // progress lines on stderr (util/progress.h; silenced process-wide by --quiet)
  Metadata metadata;     // written into every checkpoint (e.g. the run configuration)
  // Also written into every checkpoint; resuming from a checkpoint that holds another value for one
  // of these keys is refused (the settings that shape the run, so that a resume cannot mix two runs).
  Metadata must_match;
};

struct StepOutput {
  Var loss;
  Tensor logits;  // for the running accuracy
};
// The part of a step's global batch that this process computes: samples [offset, offset + n) of
// `global`, as rank `rank`. One process: offset 0 and the whole batch.
struct BatchShard {
  int64_t offset = 0, global = 0;
  int rank = 0;
};
// Computes one step's loss on the process's shard; `rng` is seeded from (seed, step) only (the same
// on every rank) and drives every random choice: a per-sample draw is made for the global batch and
// the shard's rows taken, so that the ranks together draw what one process draws.
using StepFn = std::function<StepOutput(const Var& images, const std::vector<int32_t>& labels, const BatchShard& shard,
                                        Rng& rng)>;

// A worker thread's own model and the step that uses it (thread-parallel runs, LoopConfig::threads):
// `model` has the architecture of the model run_training trains (its values are overwritten) and
// `keep` holds whatever else `step` uses (a teacher).
struct Replica {
  std::shared_ptr<Module> model;
  StepFn step;
  std::shared_ptr<void> keep;
};
using ReplicaFn = std::function<Replica()>;

struct RunFiles {
  std::string name;        // stage name in progress lines and checkpoint metadata
  std::string checkpoint;  // resumed from when it exists; empty: none
  std::string log_csv;     // appended to; empty: none
};

struct TrainSummary {
  int64_t steps = 0, total_steps = 0;
  int64_t resumed_from = -1;  // step of the checkpoint resumed from, -1 when started fresh
  bool finished = false;      // false when stopped early (stop_after_steps)
  double images_per_second = 0;
  double last_loss = 0, last_accuracy = 0;  // over the last logging interval
  // Seconds of this rank in backward passes (which start the gradient all-reduces of data-parallel
  // steps), and waiting for those all-reduces after the backward pass: the transfer that the
  // backward pass did not hide and the wait for the slowest rank (about 0 with one rank).
  double backward_seconds = 0, sync_seconds = 0;
};

// Moves `model` to cfg.device and trains it. Batches reach the device straight from the loader's
// page-locked buffers. With ema_decay > 0 the EMA starts from the model's values at the call (or is resumed
// from the checkpoint) and is saved beside the raw weights (nn/checkpoint.h, "__ema__." tensors).
// `replica`: makes the models of the other worker threads (none: one thread, OpenMP inside the ops).
TrainSummary run_training(Module& model, const StepFn& step, std::shared_ptr<const data::Dataset> train,
                          const data::AugmentConfig& augment, const LoopConfig& cfg, const RunFiles& files,
                          const ReplicaFn& replica = {});

// Copies a loader batch into a tensor on `device`.
Tensor batch_images(const data::Batch& b, Device device);
std::vector<int32_t> batch_labels(const data::Batch& b);

}  // namespace iqnas
