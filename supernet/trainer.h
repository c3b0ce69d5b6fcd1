// Training runs with checkpoints and exact resumption: the heaviest network alone, the one-shot
// supernet with in-place distillation from the frozen heaviest network, and fine-tuning of an
// extracted sub-network (METHOD.md section 3).
//
// A run writes its checkpoint (model + optimiser + step) every `checkpoint_every` steps and at the
// end of every epoch, atomically. Started again with the same checkpoint path it resumes from the
// last one; batches, path sampling and dropout depend only on (seed, step), so on the CPU a resumed
// run reaches bit-identical weights to an uninterrupted one.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/data/augment.h"
#include "nn/data/dataset.h"
#include "supernet/run_config.h"
#include "supernet/subnet.h"
#include "supernet/supernet.h"

namespace iqnas {

struct StepOutput {
  Var loss;
  Tensor logits;  // for the running accuracy
};
// Computes one step's loss; `rng` is seeded from (seed, step) and drives every random choice.
using StepFn = std::function<StepOutput(const Var& images, const std::vector<int32_t>& labels, Rng& rng)>;

struct RunFiles {
  std::string name;        // stage name in progress lines and checkpoint metadata
  std::string checkpoint;  // resumed from when it exists
  std::string log_csv;     // appended to
};

struct TrainSummary {
  int64_t steps = 0, total_steps = 0;
  int64_t resumed_from = -1;  // step of the checkpoint resumed from, -1 when started fresh
  bool finished = false;      // false when stopped early (stop_after_steps)
  double images_per_second = 0;
  double last_loss = 0, last_accuracy = 0;  // over the last logging interval
};

TrainSummary run_training(Module& model, const StepFn& step, std::shared_ptr<const data::Dataset> train,
                          const data::AugmentConfig& augment, const RunConfig& cfg, const RunFiles& files);

// CE + sum over stages of MSE(student, teacher) / divisor + weight * KL(teacher || student).
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
