// Accuracy of architectures with weights inherited from the supernet, and BN recalibration.
#pragma once
#include <functional>
#include <memory>

#include "nn/data/augment.h"
#include "nn/data/dataset.h"
#include "nn/train/classifier.h"
#include "supernet/subnet.h"

namespace iqnas {

// Sets every BN's running statistics of `net` to their plain average over the train-mode forward
// passes forward(0), ..., forward(batches - 1) (no gradients); the momenta and the train/eval mode
// are restored after. The one recalibration loop: the callers differ only in what they forward.
void recalibrate_bn(Layer& net, int batches, const std::function<void(int k)>& forward);

// Re-estimates every BN's running statistics of `net` as the plain average over `batches`
// training batches (train-mode forward, no gradients, on the net's device); weights are untouched.
void recalibrate_bn(Layer& net, std::shared_ptr<const data::Dataset> train, const data::AugmentConfig& augment,
                    int batches, int64_t batch_size, uint64_t seed);

struct ArchEvaluation {
  EvalResult result;
  int64_t parameters = 0;
};

// Extracts `arch`, optionally recalibrates its BNs on `recal_batches` batches of `train`, and
// evaluates it on `eval`, on the supernet's device.
ArchEvaluation evaluate_arch(Supernet& net, const Architecture& arch, std::shared_ptr<const data::Dataset> train,
                             std::shared_ptr<const data::Dataset> eval, const data::AugmentConfig& train_aug,
                             const data::AugmentConfig& eval_aug, int recal_batches, int threads);

}  // namespace iqnas
