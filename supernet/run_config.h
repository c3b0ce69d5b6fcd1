// Hyper-parameters of a training run (heaviest network, one-shot supernet, fine-tuning), read from
// JSON with defaults for every field; see docs/training.md.
#pragma once
#include <cstdint>
#include <string>

namespace iqnas {

struct RunConfig {
  int epochs = 3;
  int64_t batch_size = 64;
  double lr = 0.1, momentum = 0.9, weight_decay = 4e-5, label_smoothing = 0.1;
  bool nesterov = true;
  std::string schedule = "cosine";  // cosine | step (gamma every step_epochs) | constant
  double warmup_epochs = 0.2, step_gamma = 0.97, step_epochs = 2.4, final_lr = 0.0;
  std::string sampling = "multipath";  // supernet training: multipath | single
  double kd_kl_weight = 1.0, kd_feature_divisor = 50.0, kd_temperature = 1.0;  // in-place distillation
  int64_t checkpoint_every = 200;  // steps; a checkpoint is also written at the end of every epoch
  int64_t train_images = 0;        // 0: all; else the first N of the training split
  int loader_threads = 2;
  int64_t log_every = 20;
  uint64_t seed = 0;
  bool augment = true;  // random crop (+ flip where the data set allows) for training
  int64_t stop_after_steps = 0;  // > 0: stop (as if killed) after this many steps; for tests

  void validate() const;  // std::invalid_argument naming the field
};

RunConfig parse_run_config(const std::string& json_text, const std::string& source);
RunConfig load_run_config(const std::string& path);
std::string run_config_to_json(const RunConfig& c);

}  // namespace iqnas
