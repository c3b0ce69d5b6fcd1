#include "nn/ops/norm.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/elementwise.h"
#include "nn/detail/ops_common.h"
#include "nn/ops/activation.h"

namespace iqnas {
using detail::empty_like;

namespace {

thread_local BatchNormSync* g_sync = nullptr;

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

std::vector<double> to_double(const Tensor& t) {
  const std::vector<float> f = t.to_vector();
  return std::vector<double>(f.begin(), f.end());
}

// Training with the statistics of every replica's rows (BatchNormSync), followed by `act` when set:
// the passes of one-process batch norm, split at their reductions (kernels/batchnorm.h), with one
// meeting of the replicas in the forward pass and one in the backward pass.
Var batch_norm_synced(const char* op, const Var& xv, const Var& gv, const Var& bv, const BatchNormState& s,
                      std::optional<Act> act, BatchNormSync& sync) {
  const Tensor x = xv.value().contiguous(), gamma = gv.value().contiguous(), beta = bv.value().contiguous();
  const BnArgs a = bn_args(op, x, gamma, beta, s, false);
  const int64_t C = a.C;
  const Device dev = x.device();
  std::vector<double> m(static_cast<size_t>(C)), m2(static_cast<size_t>(C));  // a replica without rows adds nothing
  if (a.M > 0) {
    Tensor lmean = Tensor::empty({C}, dev), lm2 = Tensor::empty({C}, dev);
    IQNAS_DISPATCH(dev, batchnorm_stats, a, x.data(), lmean.data(), lm2.data());
    m = to_double(lmean), m2 = to_double(lm2);
  }
  // Rows, sum of x and sum of x^2 over all replicas, each replica's from its mean and squared
  // deviations (n m and m2 + n m^2), then M2 = sum x^2 - N mean^2 (parallel variance). The local
  // M2s are sums of deviations; in double the last subtraction loses about 2 log10(|mean| / std)
  // of 16 digits: below float rounding up to |mean| = 1e4 std.
  const double n = static_cast<double>(a.M);
  std::vector<double> sums(static_cast<size_t>(2 * C) + 1);
  sums[0] = n;
  for (int64_t c = 0; c < C; ++c) sums[c + 1] = n * m[c], sums[C + c + 1] = m2[c] + n * m[c] * m[c];
  sync.sum(sums.data(), sums.size());
  const double N = sums[0];
  if (N < 2)
    throw std::invalid_argument(std::string(op) + ": training needs more than one value per channel over the replicas, got " +
                                std::to_string(static_cast<int64_t>(N)));
  std::vector<float> gmean(static_cast<size_t>(C)), ginv(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    const double mean = sums[c + 1] / N, var = std::max((sums[C + c + 1] - sums[c + 1] * mean) / N, 0.0);
    gmean[c] = static_cast<float>(mean);
    ginv[c] = static_cast<float>(1.0 / std::sqrt(var + double(a.eps)));
  }
  const Tensor mean = Tensor::from_vector({C}, gmean, dev), invstd = Tensor::from_vector({C}, ginv, dev);
  BnArgs all = a;  // the running variance is unbiased with the rows of all replicas
  all.M = static_cast<int64_t>(N);
  IQNAS_DISPATCH(dev, batchnorm_update_running, all, s.momentum, mean.data(), invstd.data(), s.running_mean->data(), s.running_var->data());
  Tensor out = empty_like(x);
  if (act)
    IQNAS_DISPATCH(dev, batchnorm_act_normalize, a, *act, x.data(), gamma.data(), beta.data(), mean.data(), invstd.data(), out.data());
  else
    IQNAS_DISPATCH(dev, batchnorm_normalize, a, x.data(), gamma.data(), beta.data(), mean.data(), invstd.data(), out.data());
  return make_result(out, op, {xv, gv, bv}, [x, gamma, beta, mean, invstd, a, act, all, &sync](const Tensor& gz0, const std::vector<bool>& needs) {
    const Tensor gz = gz0.contiguous();
    const Device d = gz.device();
    const int64_t C = a.C;
    // This replica's sum gy (gb) and sum gy * xhat (gg): gamma's and beta's gradients stay this
    // replica's (the trainer averages parameter gradients over the replicas); their sums over the
    // replicas give the input gradient.
    Tensor gg = Tensor::empty({C}, d), gb = Tensor::empty({C}, d), gx;
    if (act)
      IQNAS_DISPATCH(d, batchnorm_act_backward, a, *act, x.data(), gz.data(), gamma.data(), beta.data(), mean.data(),
                     invstd.data(), nullptr, gg.data(), gb.data());
    else
      IQNAS_DISPATCH(d, batchnorm_backward, a, x.data(), gz.data(), gamma.data(), mean.data(), invstd.data(), nullptr,
                     gg.data(), gb.data());
    const std::vector<float> lb = gb.to_vector(), lg = gg.to_vector();
    std::vector<double> tot(static_cast<size_t>(2 * C));
    for (int64_t c = 0; c < C; ++c) tot[c] = lb[c], tot[C + c] = lg[c];
    sync.sum(tot.data(), tot.size());  // every replica meets, whether or not it needs gx
    if (needs[0]) {
      const Tensor tb = Tensor::from_vector({C}, std::vector<float>(tot.begin(), tot.begin() + C), d);
      const Tensor tg = Tensor::from_vector({C}, std::vector<float>(tot.begin() + C, tot.end()), d);
      gx = empty_like(x);
      if (act)
        IQNAS_DISPATCH(d, batchnorm_act_backward_input, a, *act, all.M, x.data(), gz.data(), gamma.data(), beta.data(),
                       mean.data(), invstd.data(), tg.data(), tb.data(), gx.data());
      else
        IQNAS_DISPATCH(d, batchnorm_backward_input, a, all.M, x.data(), gz.data(), gamma.data(), mean.data(),
                       invstd.data(), tg.data(), tb.data(), gx.data());
    }
    return std::vector<Tensor>{gx, gg, gb};
  });
}

}  // namespace

BatchNormSyncScope::BatchNormSyncScope(BatchNormSync* sync) : prev_(g_sync) { g_sync = sync; }
BatchNormSyncScope::~BatchNormSyncScope() { g_sync = prev_; }

Var batch_norm_act(const Var& xv, const Var& gv, const Var& bv, const BatchNormState& s, bool training, Act act) {
  if (!training) return activation(batch_norm(xv, gv, bv, s, false), act);
  if (g_sync) return batch_norm_synced("batch_norm_act", xv, gv, bv, s, act, *g_sync);
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
  if (training && g_sync) return batch_norm_synced("batch_norm", xv, gv, bv, s, std::nullopt, *g_sync);
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
