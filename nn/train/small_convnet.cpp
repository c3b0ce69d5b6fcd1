#include "nn/train/small_convnet.h"

#include "nn/ops.h"

namespace iqnas {

SmallConvNet::SmallConvNet(int in_channels, int num_classes, int width, Rng& rng) {
  const int w1 = width, w2 = 2 * width, w3 = 4 * width;
  auto add = [&](const std::string& name, std::shared_ptr<Layer> conv, int channels, Act act) {
    register_module(name + ".conv", conv);
    auto bn = register_module(name + ".bn", std::make_shared<BatchNorm>(channels));
    units_.push_back({conv, bn, act});
  };
  add("stem", std::make_shared<Conv2d>(in_channels, w1, 3, 1, 1, rng), w1, Act::ReLU);
  add("dw1", std::make_shared<DepthwiseConv>(w1, 3, 2, rng), w1, Act::ReLU);
  add("pw1", std::make_shared<PointwiseConv>(w1, w2, rng), w2, Act::HSwish);
  add("dw2", std::make_shared<DepthwiseConv>(w2, 5, 2, rng), w2, Act::HSwish);
  add("pw2", std::make_shared<PointwiseConv>(w2, w3, rng), w3, Act::HSwish);
  head_ = register_module("head", std::make_shared<Linear>(w3, num_classes, true, rng));
}

Var SmallConvNet::forward(const Var& images) {
  Var x = images;
  for (const Unit& u : units_) x = activation(u.bn->forward(u.conv->forward(x)), u.act);
  return head_->forward(global_avg_pool(x));
}

}  // namespace iqnas
