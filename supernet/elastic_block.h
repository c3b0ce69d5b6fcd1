// The elastic inverted-residual block of the weight-sharing supernet (METHOD.md section 3):
// one expansion 1x1 conv at the largest ratio whose first e*C_in channels a ratio e uses; separate
// depthwise convs (each with its own BN) per kernel size; SE on the used channels; the BN after
// the projection private per (expansion, SE) pair.
//
// forward() takes one configuration index per sample. When all samples agree it runs that single
// path on weight slices; otherwise (multipath) it runs the full-width expansion and projection once
// with per-sample channel masks and SE selections. How the depthwise and projection BNs see a
// multipath batch is `bn_stats` (docs/training.md):
//   Shared (the reference code): the unmasked expansion output goes into the depthwise conv + BN of
//     every kernel present in the batch, over the whole batch, and the width mask comes after that
//     BN; every present projection BN normalises the whole batch and each sample keeps the rows of
//     its own pair: private scale and shift, shared batch (and hence running) statistics.
//   Private: the width mask comes before the depthwise conv, and each depthwise BN and projection
//     BN sees only the samples that chose it (private statistics).
// In eval mode both give every sample exactly the output of its own configuration run alone.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nn/layers.h"
#include "supernet/block_type.h"
#include "supernet/inverted_residual.h"
#include "supernet/space.h"

namespace iqnas {

class ElasticBlock : public ElasticModule {
 public:
  ElasticBlock(const SearchSpace& space, int in, int out, int stride, Act act, Rng& rng);

  Var forward(const Var& x, const std::vector<int>& configs) override;
  void set_bn_stats(BnStats b) override { bn_stats = b; }
  // The weights one configuration uses (slices of the shared ones; gradients flow back).
  InvertedResidualWeights weights(int config);
  // Smaller depthwise kernels from the centre of the largest (with its BN), every projection BN
  // from the heaviest (expansion, SE) pair's.
  void init_from_heaviest() override;
  // Importance and order of the expansion channels and the SE hidden units.
  void add_channel_importance(ChannelImportance& imp) const override;
  void permute_channels(const std::vector<int>& channels, const std::vector<int>& hidden) override;
  ChannelImportance zero_importance() const override;

  int in, out, stride;
  Act act;
  bool residual;
  BnStats bn_stats = BnStats::Shared;

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
