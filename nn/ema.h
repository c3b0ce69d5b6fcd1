// Exponential moving average of a module's weights, for evaluation:
//   ema = d * ema + (1 - d) * p     for every parameter, after each optimiser step
//   ema_buffer = buffer             (buffers, e.g. BN running statistics, are copied by default;
//                                    with average_buffers they are averaged like the parameters,
//                                    as timm's ModelEma does)
// with d = decay, or with warm-up d_t = min(decay, (1 + t) / (10 + t)) where t is the number of
// updates already made (0 for the first update, whose d is 0.1).
// The EMA starts as a copy of the module's parameters and buffers at construction.
// Evaluate with apply() ... restore(), or copy_to() a second module of the same structure.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "nn/module.h"

namespace iqnas {


class ModelEma {
 public:
  // Throws std::invalid_argument when decay is outside [0, 1].
  ModelEma(Module& m, float decay, bool warmup = false, bool average_buffers = false);

  // Averages the module's parameters in and copies its buffers. The module must have the same
  // parameter/buffer names and shapes as at construction (std::invalid_argument otherwise).
  void update(Module& m);

  float decay() const { return decay_; }
  bool warmup() const { return warmup_; }
  bool average_buffers() const { return average_buffers_; }
  int64_t updates() const { return updates_; }
  float decay_at(int64_t t) const;  // the d used by update number t (0-based)

  // Overwrites the module's parameters and buffers with the EMA values (gradients are untouched).
  void copy_to(Module& m) const;
  // Saves the module's current values, then copy_to(m). restore(m) puts the saved values back.
  // apply() twice without restore() throws std::logic_error, as does restore() without apply().
  void apply(Module& m);
  void restore(Module& m);
  bool applied() const { return !backup_.empty(); }

  // The averaged parameters then the copied buffers, keyed by the module's names (views of the
  // internal tensors: copy before modifying).
  const NamedTensors& tensors() const { return ema_; }
  // Validates every name and shape against the current EMA, then replaces values and the update
  // counter; on error (std::invalid_argument naming the tensor) nothing is changed.
  void load_state(const NamedTensors& tensors, int64_t updates);

 private:
  float decay_;
  bool warmup_, average_buffers_;
  int64_t updates_ = 0;
  size_t n_params_ = 0;  // ema_[0, n_params_) are parameters, the rest buffers
  NamedTensors ema_;
  std::vector<Tensor> backup_;
  // The module's parameter tensors then buffer tensors, checked against ema_'s names and shapes.
  std::vector<Tensor*> targets(Module& m, const char* op) const;
};

}  // namespace iqnas
