// Basic layers as modules. Weights are initialised like torchvision's MobileNetV3: Kaiming normal
// (fan-out) for convolutions, N(0, 0.01) for linear layers, BN gamma 1 and beta 0.
#pragma once
#include "kernels/elementwise.h"
#include "nn/module.h"
#include "nn/ops/norm.h"

namespace iqnas {

class Conv2d : public Layer {  // weight [Cout, K, K, Cin/groups], no bias (a BN follows)
 public:
  Conv2d(int cin, int cout, int kernel, int stride, int groups, Rng& rng);
  Var forward(const Var& x) override;
  Var weight;
  int stride, pad, groups;
};

class PointwiseConv : public Layer {  // weight [Cout, Cin]
 public:
  PointwiseConv(int cin, int cout, Rng& rng);
  Var forward(const Var& x) override;
  Var weight;
};

class DepthwiseConv : public Layer {  // weight [K, K, C]
 public:
  DepthwiseConv(int channels, int kernel, int stride, Rng& rng);
  Var forward(const Var& x) override;
  Var weight;
  int stride;
};

class BatchNorm : public Layer {
 public:
  explicit BatchNorm(int channels, float momentum = 0.1f, float eps = 1e-5f);
  Var forward(const Var& x) override;
  // activation(forward(x), act) in the batch norm's passes (batch_norm_act).
  Var forward_act(const Var& x, Act act);
  Var gamma, beta;
  Tensor& running_mean;
  Tensor& running_var;
  float momentum, eps;
};

class Linear : public Layer {
 public:
  Linear(int in, int out, bool bias, Rng& rng);
  Var forward(const Var& x) override;
  Var weight, bias;
};

}  // namespace iqnas
