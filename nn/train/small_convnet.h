// A small MobileNet-style classifier (stem conv, depthwise-separable blocks, global pooling,
// linear head) for quick end-to-end checks of the core on Fashion-MNIST-sized images.
#pragma once
#include <memory>

#include "nn/layers.h"
#include "nn/train/classifier.h"

namespace iqnas {

class SmallConvNet : public Classifier {
 public:
  SmallConvNet(int in_channels, int num_classes, int width, Rng& rng);
  Var forward(const Var& images) override;

 private:
  struct Unit {  // conv -> BN -> activation
    std::shared_ptr<Layer> conv;
    std::shared_ptr<BatchNorm> bn;
    Act act;
  };
  std::vector<Unit> units_;
  std::shared_ptr<Linear> head_;
};

}  // namespace iqnas
