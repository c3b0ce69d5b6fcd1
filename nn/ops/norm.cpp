#include "nn/ops/norm.h"

#include <cmath>
#include <stdexcept>

#include "kernels/batchnorm.h"
#include "kernels/elementwise.h"
#include "nn/detail/ops_common.h"
#include "nn/ops/activation.h"

namespace iqnas {
using detail::empty_like;

namespace {

// The kernels' arguments for x [..., C], after checking the parameters and running statistics.
BnArgs bn_args(const char* op, const Tensor& x, const Tensor& gamma, const Tensor& beta, const BatchNormState& s,
               bool training) {
  const int64_t C = detail::channels(x);
  for (const Tensor* t : {&gamma, &beta, static_cast<const Tensor*>(s.running_mean),
                          static_cast<const Tensor*>(s.running_var)}) {
    check_shape(op, "parameter", *t, {C});
    check_same_device(op, x, *t);  // a host pointer in a CUDA kernel is an illegal address
  }
  BnArgs a;
  a.M = detail::rows(x), a.C = C, a.eps = s.eps;
  if (training && a.M < 2)
    throw std::invalid_argument(std::string(op) + ": training needs more than one value per channel, got shape " + shape_str(x.shape()));
  return a;
}

}  // namespace

Var batch_norm_act(const Var& xv, const Var& gv, const Var& bv, const BatchNormState& s, bool training, Act act) {
  if (!training) return activation(batch_norm(xv, gv, bv, s, false), act);
  const Tensor x = xv.value().contiguous(), gamma = gv.value().contiguous(), beta = bv.value().contiguous();
  const BnArgs a = bn_args("batch_norm_act", x, gamma, beta, s, true);
  const Device dev = x.device();
  Tensor z = empty_like(x), mean = Tensor::empty({a.C}, dev), invstd = Tensor::empty({a.C}, dev);
  IQNAS_DISPATCH(dev, batchnorm_act_forward_train, a, act, x.data(), gamma.data(), beta.data(), z.data(), mean.data(), invstd.data());
  IQNAS_DISPATCH(dev, batchnorm_update_running, a, s.momentum, mean.data(), invstd.data(), s.running_mean->data(), s.running_var->data());
  return make_result(z, "batch_norm_act", {xv, gv, bv}, [x, gamma, beta, mean, invstd, a, act](const Tensor& gz0, const std::vector<bool>& needs) {
    const Tensor gz = gz0.contiguous();
    Tensor gx = needs[0] ? empty_like(x) : Tensor();
    Tensor gg = Tensor::empty({a.C}, gz.device()), gb = Tensor::empty({a.C}, gz.device());
    IQNAS_DISPATCH(gz.device(), batchnorm_act_backward, a, act, x.data(), gz.data(), gamma.data(), beta.data(), mean.data(),
                   invstd.data(), gx.defined() ? gx.data() : nullptr, gg.data(), gb.data());
    return std::vector<Tensor>{gx, gg, gb};
  });
}

Var batch_norm(const Var& xv, const Var& gv, const Var& bv, const BatchNormState& s, bool training) {
  const Tensor x = xv.value().contiguous(), gamma = gv.value().contiguous(), beta = bv.value().contiguous();
  const BnArgs a = bn_args("batch_norm", x, gamma, beta, s, training);
  const int64_t C = a.C;
  Tensor y = empty_like(x);
  const Device dev = x.device();

  if (training) {
    Tensor mean = Tensor::empty({C}, dev), invstd = Tensor::empty({C}, dev);
    IQNAS_DISPATCH(dev, batchnorm_forward_train, a, x.data(), gamma.data(), beta.data(), y.data(), mean.data(), invstd.data());
    IQNAS_DISPATCH(dev, batchnorm_update_running, a, s.momentum, mean.data(), invstd.data(), s.running_mean->data(), s.running_var->data());
    return make_result(y, "batch_norm", {xv, gv, bv}, [x, gamma, mean, invstd, a](const Tensor& gy0, const std::vector<bool>& needs) {
      const Tensor gy = gy0.contiguous();
      Tensor gx = needs[0] ? empty_like(x) : Tensor();
      Tensor gg = Tensor::empty({a.C}, gy.device()), gb = Tensor::empty({a.C}, gy.device());
      IQNAS_DISPATCH(gy.device(), batchnorm_backward, a, x.data(), gy.data(), gamma.data(), mean.data(), invstd.data(),
                     gx.defined() ? gx.data() : nullptr, gg.data(), gb.data());
      return std::vector<Tensor>{gx, gg, gb};
    });
  }

  IQNAS_DISPATCH(dev, batchnorm_forward_eval, a, x.data(), gamma.data(), beta.data(), s.running_mean->data(), s.running_var->data(), y.data());
  // In eval mode y = x * scale + shift per channel, with scale = gamma / sqrt(running_var + eps).
  std::vector<float> rv = s.running_var->to_vector();
  std::vector<float> inv(rv.size());
  for (size_t c = 0; c < rv.size(); ++c) inv[c] = 1.f / std::sqrt(rv[c] + a.eps);
  const Tensor invstd = Tensor::from_vector({C}, inv, dev);
  const Tensor mean = s.running_mean->clone();
  return make_result(y, "batch_norm_eval", {xv, gv, bv}, [x, gamma, mean, invstd, a](const Tensor& gy0, const std::vector<bool>& needs) {
    const Tensor gy = gy0.contiguous();
    const Device d = gy.device();
    Tensor scale = Tensor::empty({a.C}, d);
    IQNAS_DISPATCH(d, mul, gamma.data(), invstd.data(), scale.data(), a.C);
    Tensor gx, gg, gb;
    if (needs[0]) {
      gx = empty_like(x);
      IQNAS_DISPATCH(d, mul_channels, gy.data(), scale.data(), gx.data(), 1, a.M, a.C);
    }
    if (needs[1]) {  // ggamma = invstd * sum gy * (x - mean) = invstd * (sum gy*x - mean * sum gy)
      Tensor sgx = Tensor::empty({a.C}, d), sg = Tensor::empty({a.C}, d), t = Tensor::empty({a.C}, d);
      IQNAS_DISPATCH(d, mul_channels_grad_gate, x.data(), gy.data(), sgx.data(), 1, a.M, a.C);
      IQNAS_DISPATCH(d, sum_columns, gy.data(), sg.data(), a.M, a.C);
      IQNAS_DISPATCH(d, mul, mean.data(), sg.data(), t.data(), a.C);
      IQNAS_DISPATCH(d, axpby, -1.f, t.data(), 1.f, sgx.data(), a.C);
      gg = Tensor::empty({a.C}, d);
      IQNAS_DISPATCH(d, mul, sgx.data(), invstd.data(), gg.data(), a.C);
    }
    if (needs[2]) {
      gb = Tensor::empty({a.C}, d);
      IQNAS_DISPATCH(d, sum_columns, gy.data(), gb.data(), a.M, a.C);
    }
    return std::vector<Tensor>{gx, gg, gb};
  });
}

}  // namespace iqnas
