#include "supernet/subnet.h"

#include "nn/ops.h"

namespace iqnas {

StaticBlock::StaticBlock(const SearchSpace& s, int in, int out, int stride_, Act act_, const BlockConfig& c, Rng& rng)
    : stride(stride_), act(act_), residual(stride_ == 1 && in == out) {
  const int mid = s.expanded(in, c.expansion), hid = s.se_hidden(mid);
  expand_ = register_module("expand", std::make_shared<PointwiseConv>(in, mid, rng));
  expand_bn_ = register_module("expand_bn", std::make_shared<BatchNorm>(mid));
  dw_ = register_module("dw", std::make_shared<DepthwiseConv>(mid, c.kernel, stride, rng));
  dw_bn_ = register_module("dw_bn", std::make_shared<BatchNorm>(mid));
  if (c.se) {
    se_reduce_ = register_module("se_reduce", std::make_shared<Linear>(mid, hid, true, rng));
    se_expand_ = register_module("se_expand", std::make_shared<Linear>(hid, mid, true, rng));
  }
  project_ = register_module("project", std::make_shared<PointwiseConv>(mid, out, rng));
  project_bn_ = register_module("project_bn", std::make_shared<BatchNorm>(out));
}

InvertedResidualWeights StaticBlock::weights() {
  InvertedResidualWeights w;
  w.expand_w = expand_->weight;
  w.expand_bn = bn_ref(*expand_bn_, expand_bn_->gamma.dim(0));
  w.dw_w = dw_->weight;
  w.dw_bn = bn_ref(*dw_bn_, dw_bn_->gamma.dim(0));
  w.se = se_reduce_ != nullptr;
  if (w.se) w.se_w1 = se_reduce_->weight, w.se_b1 = se_reduce_->bias, w.se_w2 = se_expand_->weight, w.se_b2 = se_expand_->bias;
  w.project_w = project_->weight;
  w.project_bn = bn_ref(*project_bn_, project_bn_->gamma.dim(0));
  return w;
}

Var StaticBlock::forward(const Var& x) { return inverted_residual(x, weights(), stride, act, residual, training()); }

SubNetwork::SubNetwork(const SearchSpace& space, const Architecture& arch, Rng& rng) : space_(space), arch_(arch) {
  validate_arch(space_, arch_);
  fixed_ = register_module("net", std::make_shared<FixedParts>(space_, rng));
  for (size_t s = 0; s < space_.stages.size(); ++s) {
    const StageSpec& st = space_.stages[s];
    blocks_.emplace_back();
    for (int b = 0; b < arch_.depths[s]; ++b) {
      const int in = b == 0 ? space_.stage_in(int(s)) : st.out;
      blocks_[s].push_back(register_module(
          "stage" + std::to_string(s + 1) + ".block" + std::to_string(b + 1),
          std::make_shared<StaticBlock>(space_, in, st.out, b == 0 ? st.stride : 1, st.act, space_.config(arch_.blocks[s][b]), rng)));
    }
  }
}

Var SubNetwork::forward(const Var& images) { return forward(images, nullptr); }

Var SubNetwork::forward(const Var& images, std::vector<Var>* features) {
  Var x = fixed_->front(images, features);
  for (auto& stage : blocks_) {
    for (auto& b : stage) x = b->forward(x);
    if (features) features->push_back(x);
  }
  return fixed_->back(x, features);
}

std::unique_ptr<SubNetwork> extract_subnetwork(Supernet& net, const Architecture& arch) {
  NoGradGuard no_grad;
  Rng rng(0);
  auto sub = std::make_unique<SubNetwork>(net.space(), arch, rng);
  copy_state(net.fixed(), sub->fixed());
  for (size_t s = 0; s < sub->blocks_.size(); ++s)
    for (size_t b = 0; b < sub->blocks_[s].size(); ++b) {
      const InvertedResidualWeights from = net.block(int(s), int(b)).weights(arch.blocks[s][b]);
      const InvertedResidualWeights to = sub->blocks_[s][b]->weights();
      for (auto [f, t] : {std::pair{from.expand_w, to.expand_w}, {from.dw_w, to.dw_w}, {from.project_w, to.project_w}})
        t.value().copy_(f.value());
      if (from.se)
        for (auto [f, t] : {std::pair{from.se_w1, to.se_w1}, {from.se_b1, to.se_b1}, {from.se_w2, to.se_w2}, {from.se_b2, to.se_b2}})
          t.value().copy_(f.value());
      copy_bn(from.expand_bn, to.expand_bn);
      copy_bn(from.dw_bn, to.dw_bn);
      copy_bn(from.project_bn, to.project_bn);
    }
  sub->fixed().dropout = net.fixed().dropout;
  sub->train(net.training());
  sub->to(net.parameters().front().device());
  return sub;
}

}  // namespace iqnas
