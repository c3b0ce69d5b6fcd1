// SGD with momentum, Nesterov momentum and weight decay, with PyTorch's semantics (torch.optim.SGD,
// dampening 0; see kernels/optim.h):
//   g' = g + wd * p;  buf = (first step of this parameter) ? g' : momentum * buf + g';
//   d  = nesterov ? g' + momentum * buf : buf;  p -= lr * d
// A parameter whose gradient is undefined at step() is skipped entirely (its momentum buffer is
// neither created nor decayed), as PyTorch skips parameters whose .grad is None.
//
// The optimiser iterates the named parameters of Module::named_parameters(); the names are used to
// choose which parameters get weight decay and as the keys of the exported state, so that a
// checkpoint (nn/checkpoint.h) restores training bit-exactly.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "nn/autograd.h"

namespace iqnas {

using NamedParams = std::vector<std::pair<std::string, Var>>;

// True for parameters that must NOT get weight decay.
using NoDecayFn = std::function<bool(const std::string& name, const Var& param)>;

struct SgdOptions {
  float lr = 0.1f;
  float momentum = 0.9f;  // 0 disables momentum (no buffers)
  bool nesterov = false;  // requires momentum > 0
  float weight_decay = 0.f;
  // Exclude every parameter with at most one dimension (BN scales/shifts, biases) from weight decay.
  bool no_decay_1d = false;
  // Exclude the parameters for which this returns true (combined with no_decay_1d by "or").
  NoDecayFn no_decay;
};

// Everything needed to resume: the number of step() calls so far and the momentum buffers of the
// parameters that have one (keyed by parameter name).
struct SgdState {
  int64_t steps = 0;
  NamedTensors momentum;
};

class SGD {
 public:
  // Throws std::invalid_argument on negative lr/momentum/weight decay, Nesterov without momentum,
  // an undefined parameter, or a name used twice.
  SGD(NamedParams params, SgdOptions options);

  // One update of every parameter that has a gradient. Throws std::invalid_argument naming the
  // parameter when its gradient's shape or device differs from the parameter's.
  void step();
  void zero_grad();  // drops every parameter's gradient

  void set_lr(float lr);
  float lr() const { return opt_.lr; }
  const SgdOptions& options() const { return opt_; }
  int64_t steps() const { return steps_; }  // number of step() calls so far
  const NamedParams& params() const { return params_; }
  bool decays(const std::string& name) const;  // whether the named parameter gets weight decay

  // Copies (not views) of the state, on each parameter's device.
  SgdState state() const;
  // Validates everything first (every name is a parameter, shapes match), then replaces the step
  // counter and all momentum buffers: parameters absent from `s.momentum` have none afterwards.
  // Throws std::invalid_argument naming the tensor; on error nothing is changed.
  void load_state(const SgdState& s);

 private:
  struct Slot {
    Tensor buf;  // undefined until the parameter's first update
    bool decay = true;
  };
  NamedParams params_;
  std::vector<Slot> slots_;
  SgdOptions opt_;
  int64_t steps_ = 0;
  int index_of(const std::string& name) const;  // -1 when absent
};

}  // namespace iqnas
