// A MobileNetV3-large-like network with the shape of the paper preset's heaviest (every block e6,
// k5, SE on, depth 4), assembled from nn/layers.h for the GPU training-step benchmark: stem 3x3 s2
// 32 hswish; stage 0 depthwise-separable 3x3 -> 16 relu; stages 24/40/80/112/192 (strides
// 2/2/2/1/2, relu/relu/hswish/hswish/hswish) of inverted residuals e6 k5 with SE (hidden
// round(0.25 * expanded), relu then hsigmoid gate); 1x1 960 hswish; pool; 1x1 1280 (+bias)
// hswish; FC 1000. bench/reference/torch_cuda.py builds the same network in PyTorch.
// Why not the supernet's SubNetwork(paper, heaviest_arch): that network rounds the SE widths to
// multiples of 8 (timm's divisor) and has a dropout before the classifier, so taking it would change
// both sides of the PyTorch comparison and the figures of docs/cuda.md; this benchmark times the
// nn/ layers and kernels on the device, the supernet's own networks are timed by bench/supernet.
#pragma once
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "nn/layers.h"
#include "nn/ops.h"

namespace iqnas::bench {

struct ConvBnAct : Layer {
  std::shared_ptr<Layer> conv;
  std::shared_ptr<BatchNorm> bn;
  bool has_act;
  Act act;
  ConvBnAct(std::shared_ptr<Layer> c, int ch, bool with_act, Act a) : has_act(with_act), act(a) {
    conv = register_module("conv", c);
    bn = register_module("bn", std::make_shared<BatchNorm>(ch));
  }
  Var forward(const Var& x) override {
    Var y = bn->forward(conv->forward(x));
    return has_act ? activation(y, act) : y;
  }
};

struct SqueezeExcite : Layer {
  std::shared_ptr<Linear> reduce, expand;
  SqueezeExcite(int ch, int hidden, Rng& rng) {
    reduce = register_module("reduce", std::make_shared<Linear>(ch, hidden, true, rng));
    expand = register_module("expand", std::make_shared<Linear>(hidden, ch, true, rng));
  }
  Var forward(const Var& x) override {
    return mul_channels(x, hsigmoid(expand->forward(relu(reduce->forward(global_avg_pool(x))))));
  }
};

struct InvertedResidual : Layer {
  std::shared_ptr<ConvBnAct> expand, dw, project;
  std::shared_ptr<SqueezeExcite> se;
  bool residual;
  InvertedResidual(int cin, int cout, int e, int k, int stride, Act act, bool use_se, Rng& rng) {
    const int mid = cin * e;
    residual = stride == 1 && cin == cout;
    expand = register_module("expand", std::make_shared<ConvBnAct>(std::make_shared<PointwiseConv>(cin, mid, rng), mid, true, act));
    dw = register_module("dw", std::make_shared<ConvBnAct>(std::make_shared<DepthwiseConv>(mid, k, stride, rng), mid, true, act));
    if (use_se) se = register_module("se", std::make_shared<SqueezeExcite>(mid, int(std::lround(0.25 * mid)), rng));
    project = register_module("project", std::make_shared<ConvBnAct>(std::make_shared<PointwiseConv>(mid, cout, rng), cout, false, act));
  }
  Var forward(const Var& x) override {
    Var h = dw->forward(expand->forward(x));
    if (se) h = se->forward(h);
    h = project->forward(h);
    return residual ? add(h, x) : h;
  }
};

struct DwSeparable : Layer {
  std::shared_ptr<ConvBnAct> dw, pw;
  bool residual;
  DwSeparable(int cin, int cout, int k, Act act, Rng& rng) : residual(cin == cout) {
    dw = register_module("dw", std::make_shared<ConvBnAct>(std::make_shared<DepthwiseConv>(cin, k, 1, rng), cin, true, act));
    pw = register_module("pw", std::make_shared<ConvBnAct>(std::make_shared<PointwiseConv>(cin, cout, rng), cout, false, act));
  }
  Var forward(const Var& x) override {
    Var h = pw->forward(dw->forward(x));
    return residual ? add(h, x) : h;
  }
};

struct MobileNetV3Heaviest : Layer {
  std::vector<std::shared_ptr<Layer>> body;
  std::shared_ptr<Linear> head_conv, fc;
  explicit MobileNetV3Heaviest(Rng& rng, int classes = 1000, int e = 6, int k = 5, int depth = 4) {
    int n = 0;
    auto add_layer = [&](std::shared_ptr<Layer> l) { body.push_back(register_module("l" + std::to_string(n++), l)); };
    add_layer(std::make_shared<ConvBnAct>(std::make_shared<Conv2d>(3, 32, 3, 2, 1, rng), 32, true, Act::HSwish));
    add_layer(std::make_shared<DwSeparable>(32, 16, 3, Act::ReLU, rng));
    struct Stage {
      int out, stride;
      Act act;
    };
    const Stage stages[] = {{24, 2, Act::ReLU}, {40, 2, Act::ReLU}, {80, 2, Act::HSwish}, {112, 1, Act::HSwish}, {192, 2, Act::HSwish}};
    int cin = 16;
    for (const Stage& s : stages)
      for (int b = 0; b < depth; ++b) {
        add_layer(std::make_shared<InvertedResidual>(cin, s.out, e, k, b == 0 ? s.stride : 1, s.act, true, rng));
        cin = s.out;
      }
    add_layer(std::make_shared<ConvBnAct>(std::make_shared<PointwiseConv>(cin, 960, rng), 960, true, Act::HSwish));
    head_conv = register_module("head_conv", std::make_shared<Linear>(960, 1280, true, rng));
    fc = register_module("fc", std::make_shared<Linear>(1280, classes, true, rng));
  }
  Var forward(const Var& images) override {
    Var x = images;
    for (auto& l : body) x = l->forward(x);
    return fc->forward(hswish(head_conv->forward(global_avg_pool(x))));
  }
};

}  // namespace iqnas::bench
