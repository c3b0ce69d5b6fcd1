// Hyper-parameters of a training run (heaviest network, one-shot supernet, fine-tuning), read from
// JSON with defaults for every field; see docs/training.md.
#pragma once
#include <cstdint>
#include <string>

#include "nn/train/loop.h"

namespace iqnas {

struct RunConfig {
  static constexpr int64_t kMaxEpochs = 100000, kMaxBatch = 65536;  // upper bounds of validate()
  int epochs = 3;
  int64_t batch_size = 64;
  double lr = 0.1, momentum = 0.9, weight_decay = 4e-5, label_smoothing = 0.1;
  bool nesterov = true;
  std::string schedule = "cosine";  // cosine | step (gamma every step_epochs) | constant
  double warmup_epochs = 0.2, warmup_start_factor = 0.1, step_gamma = 0.97, step_epochs = 2.4, final_lr = 0.0;
  double cooldown_epochs = 0.0;  // cosine: epochs at final_lr at the end
  double ema_decay = 0.999;      // EMA of the weights and BN statistics per step; 0: none
  double dropout = -1;           // before the classifier; < 0: the space's head.dropout
  std::string sampling = "multipath";  // supernet training: multipath | single
  std::string bn_stats = "shared";     // supernet training: shared | private (ElasticBlock)
  bool bn_sync = false;  // data-parallel: batch norm over every rank's rows (docs/distributed.md)
  double kd_kl_weight = 1.0, kd_feature_divisor = 50.0, kd_temperature = 1.0;  // in-place distillation
  bool kd_features = true;        // feature MSE terms (false: CE + KL on logits only)
  double reorder_fraction = 0.1;  // channel reordering: fraction of each class's training images
  std::string device = "cpu";     // cpu | cuda
  int64_t checkpoint_every = 200;  // steps; a checkpoint is also written at the end of every epoch
  int64_t train_images = 0;        // 0: all; else the first N of the training split
  int loader_threads = 2;
  int threads = 0;  // worker threads as ranks (LoopConfig::threads): 0 = OMP_NUM_THREADS where possible, 1 = off
  int64_t log_every = 20;
  uint64_t seed = 0;
  bool augment = true;  // random crop (+ flip where the data set allows) for training
  int64_t stop_after_steps = 0;  // > 0: stop (as if killed) after this many steps; for tests

  void validate() const;  // std::invalid_argument naming the field and its range
  // The loop's part; metadata holds run.config (this configuration as JSON). Resolves the device
  // (std::runtime_error for cuda without a device).
  LoopConfig loop_config() const;
};

RunConfig parse_run_config(const std::string& json_text, const std::string& source);
RunConfig load_run_config(const std::string& path);
std::string run_config_to_json(const RunConfig& c);

}  // namespace iqnas
