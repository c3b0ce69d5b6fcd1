// The elastic inverted-residual block of the weight-sharing supernet (METHOD.md section 3):
// one expansion 1x1 conv at the largest ratio whose first e*C_in channels a ratio e uses; separate
// depthwise convs (each with its own BN) per kernel size; SE on the used channels; the BN after
// the projection private per (expansion, SE) pair.
//
// forward() takes one configuration index per sample. When all samples agree it runs that single
// path on weight slices; otherwise (multipath) it runs the full-width expansion and projection once
// with per-sample channel masks and SE selections, and routes each sample through the depthwise
// kernel (+ BN) and the projection BN of its own configuration.
#pragma once
#include <memory>
#include <vector>

#include "nn/layers.h"
#include "supernet/inverted_residual.h"
#include "supernet/space.h"

namespace iqnas {

class ElasticBlock : public Module {
 public:
  ElasticBlock(const SearchSpace& space, int in, int out, int stride, Act act, Rng& rng);

  Var forward(const Var& x, const std::vector<int>& configs);
  // The weights one configuration uses (slices of the shared ones; gradients flow back).
  InvertedResidualWeights weights(int config);

  int in, out, stride;
  Act act;
  bool residual;

 private:
  Var forward_multipath(const Var& x, const std::vector<int>& configs);
  int pair_index(const BlockConfig& c) const;  // which projection BN

  SearchSpace space_;
  int mid_max_, hid_max_;
  std::shared_ptr<PointwiseConv> expand_;
  std::shared_ptr<BatchNorm> expand_bn_;
  std::vector<std::shared_ptr<DepthwiseConv>> dw_;  // per kernel option
  std::vector<std::shared_ptr<BatchNorm>> dw_bn_;
  std::shared_ptr<Linear> se_reduce_, se_expand_;
  std::shared_ptr<PointwiseConv> project_;
  std::vector<std::shared_ptr<BatchNorm>> project_bn_;  // per (expansion, SE) pair
};

}  // namespace iqnas
