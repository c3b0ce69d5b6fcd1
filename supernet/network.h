// The parts of every network of a search space that are not searched: stem, stage 0, stage 6
// (1x1 conv) and the classification head. Shared by the supernet and extracted sub-networks.
#pragma once
#include <memory>

#include "nn/layers.h"
#include "supernet/space.h"

namespace iqnas {

class FixedParts : public Module {
 public:
  FixedParts(const SearchSpace& s, Rng& rng);
  Var front(const Var& images);  // stem + stage 0
  Var back(const Var& x);        // stage 6 + head -> logits
  Rng dropout_rng{0};            // reseeded by trainers every step, for reproducible runs

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
