#include "supernet/network.h"

#include <map>
#include <stdexcept>

#include "nn/ops.h"

namespace iqnas {

FixedParts::FixedParts(const SearchSpace& s, Rng& rng)
    : dropout(s.dropout), space_(s), stage0_residual_(s.stage0_stride == 1 && s.stem_out == s.stage0_out) {
  stem_ = register_module("stem", std::make_shared<Conv2d>(s.in_channels, s.stem_out, s.stem_kernel, s.stem_stride, 1, rng));
  stem_bn_ = register_module("stem_bn", std::make_shared<BatchNorm>(s.stem_out));
  stage0_dw_ = register_module("stage0_dw", std::make_shared<DepthwiseConv>(s.stem_out, s.stage0_kernel, s.stage0_stride, rng));
  stage0_dw_bn_ = register_module("stage0_dw_bn", std::make_shared<BatchNorm>(s.stem_out));
  stage0_pw_ = register_module("stage0_pw", std::make_shared<PointwiseConv>(s.stem_out, s.stage0_out, rng));
  stage0_pw_bn_ = register_module("stage0_pw_bn", std::make_shared<BatchNorm>(s.stage0_out));
  const int c5 = s.stages.back().out;
  last_ = register_module("last", std::make_shared<PointwiseConv>(c5, s.last_conv_out, rng));
  last_bn_ = register_module("last_bn", std::make_shared<BatchNorm>(s.last_conv_out));
  head_ = register_module("head", std::make_shared<Linear>(s.last_conv_out, s.head_out, true, rng));
  classifier_ = register_module("classifier", std::make_shared<Linear>(s.head_out, s.num_classes, true, rng));
}

Var FixedParts::front(const Var& images, std::vector<Var>* features) {
  Var x = stem_bn_->forward_act(stem_->forward(images), space_.stem_act);
  Var d = stage0_dw_bn_->forward_act(stage0_dw_->forward(x), space_.stage0_act);
  Var y = stage0_pw_bn_->forward(stage0_pw_->forward(d));
  if (stage0_residual_) y = add(y, x);
  if (features) features->insert(features->end(), {x, y});
  return y;
}

Var FixedParts::back(const Var& x, std::vector<Var>* features) {
  Var f = last_bn_->forward_act(last_->forward(x), space_.last_act);
  if (features) features->push_back(f);
  Var h = activation(head_->forward(global_avg_pool(f)), space_.last_act);
  return classifier_->forward(iqnas::dropout(h, dropout, training(), dropout_rng));
}

void copy_state(Module& src, Module& dst) {
  std::map<std::string, Tensor> from;
  for (auto& [n, p] : src.named_parameters()) from[n] = p.value();
  for (auto& [n, b] : src.named_buffers()) from[n] = *b;
  auto copy_one = [&](const std::string& name, Tensor& to) {
    auto it = from.find(name);
    if (it == from.end()) throw std::invalid_argument("copy_state: no '" + name + "' in the source module");
    to.copy_(it->second);
  };
  for (auto& [n, p] : dst.named_parameters()) copy_one(n, p.value());
  for (auto& [n, b] : dst.named_buffers()) copy_one(n, *b);
}

}  // namespace iqnas
