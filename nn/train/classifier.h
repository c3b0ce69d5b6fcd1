// Supervised training of an image classifier over the data loaders: SGD with a warm-up + cosine
// schedule, label smoothing, a progress line per interval (epoch, step, loss, accuracy, images/s,
// ETA) and a CSV log; evaluation of loss and top-1 accuracy.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/data/dataset.h"
#include "nn/data/loader.h"
#include "nn/module.h"

namespace iqnas {

// forward: images [N, H, W, C] -> logits [N, classes].
using Classifier = Layer;

// Copies a loader batch into a tensor on `device`.
Tensor batch_images(const data::Batch& b, Device device);
std::vector<int32_t> batch_labels(const data::Batch& b);

struct TrainConfig {
  int epochs = 1;
  int64_t batch_size = 64;
  float lr = 0.1f, momentum = 0.9f, weight_decay = 4e-5f, label_smoothing = 0.1f;
  bool nesterov = true;
  double warmup_epochs = 0.0;
  int loader_threads = 2;
  uint64_t seed = 0;
  Device device = Device::CPU;
  std::string log_csv;          // per-interval log; empty = none
  int64_t log_every = 50;       // steps between progress lines
  bool progress = true;         // print progress lines to stderr
};

struct EvalResult {
  double loss = 0, accuracy = 0;
  int64_t images = 0;
};

struct TrainResult {
  double train_loss = 0, train_accuracy = 0;  // over the last epoch
  double images_per_second = 0;               // training throughput over the whole run
  int64_t steps = 0;
  EvalResult test;
};

EvalResult evaluate(Classifier& model, std::shared_ptr<const data::Dataset> data,
                    const data::AugmentConfig& augment, int64_t batch_size, int threads, Device device);

TrainResult train_classifier(Classifier& model, std::shared_ptr<const data::Dataset> train,
                             std::shared_ptr<const data::Dataset> test, const data::AugmentConfig& train_aug,
                             const data::AugmentConfig& test_aug, const TrainConfig& cfg);

}  // namespace iqnas
