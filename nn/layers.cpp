#include "nn/layers.h"

#include "nn/ops/conv.h"

namespace iqnas {

Conv2d::Conv2d(int cin, int cout, int kernel, int stride_, int groups_, Rng& rng)
    : weight(register_parameter("weight", kaiming_normal({cout, kernel, kernel, cin / groups_},
                                                         int64_t(cout) / groups_ * kernel * kernel, rng))),
      stride(stride_), pad(kernel / 2), groups(groups_) {}
Var Conv2d::forward(const Var& x) { return conv2d(x, weight, stride, pad, groups); }

PointwiseConv::PointwiseConv(int cin, int cout, Rng& rng)
    : weight(register_parameter("weight", kaiming_normal({cout, cin}, cout, rng))) {}
Var PointwiseConv::forward(const Var& x) { return pointwise_conv(x, weight); }

DepthwiseConv::DepthwiseConv(int channels, int kernel, int stride_, Rng& rng)
    : weight(register_parameter("weight", kaiming_normal({kernel, kernel, channels}, kernel * kernel, rng))),
      stride(stride_) {}
Var DepthwiseConv::forward(const Var& x) { return depthwise_conv(x, weight, stride); }

BatchNorm::BatchNorm(int channels, float momentum_, float eps_)
    : gamma(register_parameter("weight", Tensor::full({channels}, 1.f))),
      beta(register_parameter("bias", Tensor::zeros({channels}))),
      running_mean(register_buffer("running_mean", Tensor::zeros({channels}))),
      running_var(register_buffer("running_var", Tensor::full({channels}, 1.f))),
      momentum(momentum_), eps(eps_) {}
Var BatchNorm::forward(const Var& x) {
  return batch_norm(x, gamma, beta, BatchNormState{&running_mean, &running_var, momentum, eps}, training());
}

Var BatchNorm::forward_act(const Var& x, Act act) {
  return batch_norm_act(x, gamma, beta, BatchNormState{&running_mean, &running_var, momentum, eps}, training(), act);
}

Linear::Linear(int in, int out, bool with_bias, Rng& rng)
    : weight(register_parameter("weight", normal({out, in}, 0.01f, rng))) {
  if (with_bias) bias = register_parameter("bias", Tensor::zeros({out}));
}
Var Linear::forward(const Var& x) { return linear(x, weight, bias); }

}  // namespace iqnas
