// The parts of every network of a search space that are not searched: stem, stage 0, stage 6
// (1x1 conv) and the classification head. Shared by the supernet and extracted sub-networks.
#pragma once
#include <memory>
#include <vector>

#include "nn/layers.h"
#include "supernet/space.h"

namespace iqnas {

class FixedParts : public Module {
 public:
  FixedParts(const SearchSpace& s, Rng& rng);
  // stem + stage 0; appends the stem's and stage 0's outputs to `features` when given
  Var front(const Var& images, std::vector<Var>* features = nullptr);
  // stage 6 + head -> logits; appends stage 6's output to `features` when given
  Var back(const Var& x, std::vector<Var>* features = nullptr);
  Rng dropout_rng{0};  // reseeded by trainers every step, for reproducible runs
  float dropout;       // before the classifier; the space's head.dropout unless a run sets it

 private:
  SearchSpace space_;
  bool stage0_residual_;
  std::shared_ptr<Conv2d> stem_;
  std::shared_ptr<BatchNorm> stem_bn_;
  std::shared_ptr<DepthwiseConv> stage0_dw_;
  std::shared_ptr<BatchNorm> stage0_dw_bn_;
  std::shared_ptr<PointwiseConv> stage0_pw_;
  std::shared_ptr<BatchNorm> stage0_pw_bn_;
  std::shared_ptr<PointwiseConv> last_;
  std::shared_ptr<BatchNorm> last_bn_;
  std::shared_ptr<Linear> head_, classifier_;
};

// Copies every parameter and buffer of `src` into the same-named one of `dst` (shapes must match).
void copy_state(Module& src, Module& dst);

}  // namespace iqnas
