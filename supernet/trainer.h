// The three training stages over the one training loop (nn/train/loop.h: checkpoints, exact
// resumption, EMA, device): the heaviest network alone, the one-shot supernet with in-place
// distillation from the frozen heaviest network, and fine-tuning of an extracted sub-network
// (METHOD.md section 3, docs/training.md). Each applies the run's dropout (and for the supernet its
// bn_stats) and trains on cfg.device, moving the networks there.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nn/data/augment.h"
#include "nn/data/dataset.h"
#include "nn/train/loop.h"
#include "supernet/run_config.h"
#include "supernet/subnet.h"
#include "supernet/supernet.h"

namespace iqnas {

// CE (label_smoothing) + [kd_features] sum over the maps of MSE(student, teacher) / kd_feature_divisor
// + kd_kl_weight * KL(teacher || student) at kd_temperature.
Var distillation_loss(const Var& logits, const std::vector<Var>& features, const Tensor& teacher_logits,
                      const std::vector<Tensor>& teacher_features, const std::vector<int32_t>& labels,
                      const RunConfig& cfg);

// The three stages. `teacher` is the frozen heaviest network (eval mode, no gradients).
TrainSummary train_heaviest(Supernet& net, std::shared_ptr<const data::Dataset> train,
                            const data::AugmentConfig& augment, const RunConfig& cfg, const RunFiles& files);
TrainSummary train_supernet(Supernet& net, SubNetwork& teacher, std::shared_ptr<const data::Dataset> train,
                            const data::AugmentConfig& augment, const RunConfig& cfg, const RunFiles& files);
TrainSummary finetune_subnetwork(SubNetwork& net, SubNetwork* teacher, std::shared_ptr<const data::Dataset> train,
                                 const data::AugmentConfig& augment, const RunConfig& cfg, const RunFiles& files);

// Supernet initialisation from the trained heaviest path: the smaller depthwise kernels take the
// centre of the largest, and every private projection BN takes the heaviest pair's parameters.
void init_supernet_from_heaviest(Supernet& net);

}  // namespace iqnas
