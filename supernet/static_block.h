// The static inverted-residual block: one configuration with its own weights, the block of an
// extracted network (supernet/subnet.h) and of a latency-table key (predictor/latency_table.h).
#pragma once
#include <memory>

#include "supernet/block_type.h"
#include "supernet/inverted_residual.h"

namespace iqnas {

class StaticBlock : public StaticModule {
 public:
  StaticBlock(const SearchSpace& s, int in, int out, int stride, Act act, const BlockConfig& c, Rng& rng);
  Var forward(const Var& x) override;
  int in_channels() const override { return in; }
  int out_channels() const override { return out; }
  int add_inference(InferenceBuilder& b, int x, int H, int* Ho) override;
  InvertedResidualWeights weights();
  int in, out, stride;
  Act act;
  bool residual;

 private:
  std::shared_ptr<PointwiseConv> expand_, project_;
  std::shared_ptr<BatchNorm> expand_bn_, dw_bn_, project_bn_;
  std::shared_ptr<DepthwiseConv> dw_;
  std::shared_ptr<Linear> se_reduce_, se_expand_;
};

}  // namespace iqnas
