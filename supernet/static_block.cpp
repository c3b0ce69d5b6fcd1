#include "supernet/static_block.h"

#include "supernet/detail/inference_builder.h"

namespace iqnas {

StaticBlock::StaticBlock(const SearchSpace& s, int in_, int out_, int stride_, Act act_, const BlockConfig& c, Rng& rng)
    : in(in_), out(out_), stride(stride_), act(act_), residual(stride_ == 1 && in_ == out_) {
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


int StaticBlock::add_inference(InferenceBuilder& b, int x, int H, int* Ho) {
  const InvertedResidualWeights w = weights();
  const int h = b.pointwise(x, int64_t(H) * H, w.expand_w.value(), w.expand_bn, true, act);
  if (!residual) b.release(x);
  const int d = b.depthwise(h, H, stride, w.dw_w.value(), w.dw_bn, act, Ho);
  b.release(h);
  const int64_t S = int64_t(*Ho) * *Ho;
  if (w.se) b.squeeze_excite(d, S, w.se_w1.value(), w.se_b1.value(), w.se_w2.value(), w.se_b2.value());
  const int y = b.pointwise(d, S, w.project_w.value(), w.project_bn, false, act);
  b.release(d);
  if (residual) {
    b.add_into(y, x, S * out);
    b.release(x);
  }
  return y;
}

}  // namespace iqnas
