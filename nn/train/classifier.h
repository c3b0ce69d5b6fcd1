// Supervised training of an image classifier with the project's training loop (nn/train/loop.h),
// cross-entropy with label smoothing; evaluation of loss and top-1 accuracy.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/data/dataset.h"
#include "nn/data/loader.h"
#include "nn/module.h"
#include "nn/train/loop.h"

namespace iqnas {

// forward: images [N, H, W, C] -> logits [N, classes].
using Classifier = Layer;

// The classifier's training: run_training (nn/train/loop.h) with cross-entropy and label smoothing.
struct TrainConfig : LoopConfig {
  double label_smoothing = 0.1;
  std::string log_csv;  // per-interval log; empty = none
};

struct EvalResult {
  double loss = 0, accuracy = 0;
  int64_t images = 0;
};

struct TrainResult {
  double train_loss = 0, train_accuracy = 0;  // over the last logging interval
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
