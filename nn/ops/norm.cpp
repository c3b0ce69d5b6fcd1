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

// Training with the statistics of every replica's rows (BatchNormSync), followed by `act` when set.
// Built from the per-replica kernels: the fused training kernel gives this replica's mean and
// variance, the eval kernel normalises by the combined ones, and the backward kernel's result,
// which normalises its sums by this replica's rows, is corrected by a per-channel affine function
// of x to the sums over all the rows.
Var batch_norm_synced(const char* op, const Var& xv, const Var& gv, const Var& bv, const BatchNormState& s,
                      std::optional<Act> act, BatchNormSync& sync) {
  const Tensor x = xv.value().contiguous(), gamma = gv.value().contiguous(), beta = bv.value().contiguous();
  const BnArgs a = bn_args(op, x, gamma, beta, s, false);
  const int64_t C = a.C;
  const Device dev = x.device();
  Tensor out = empty_like(x), lmean = Tensor::empty({C}, dev), linv = Tensor::empty({C}, dev);
  IQNAS_DISPATCH(dev, batchnorm_forward_train, a, x.data(), gamma.data(), beta.data(), out.data(), lmean.data(), linv.data());
  const std::vector<double> m = to_double(lmean), is = to_double(linv);
  // Rows and mean over all replicas, then the squared deviations from that mean (each replica's
  // variance plus its mean's offset: no cancellation when |mean| >> std).
  const double n = static_cast<double>(a.M);
  std::vector<double> sums(static_cast<size_t>(C) + 1);
  sums[0] = n;
  for (int64_t c = 0; c < C; ++c) sums[c + 1] = n * m[c];
  sync.sum(sums.data(), sums.size());
  const double N = sums[0];
  if (N < 2)
    throw std::invalid_argument(std::string(op) + ": training needs more than one value per channel over the replicas, got " +
                                std::to_string(static_cast<int64_t>(N)));
  std::vector<double> dev2(static_cast<size_t>(C));
  std::vector<float> gmean(static_cast<size_t>(C)), gvar(static_cast<size_t>(C)), ginv(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    const double mean = sums[c + 1] / N, var = std::max(1.0 / (is[c] * is[c]) - double(a.eps), 0.0);
    gmean[c] = static_cast<float>(mean);
    dev2[c] = n * (var + (m[c] - mean) * (m[c] - mean));
  }
  sync.sum(dev2.data(), dev2.size());
  for (int64_t c = 0; c < C; ++c) {
    gvar[c] = static_cast<float>(dev2[c] / N);
    ginv[c] = static_cast<float>(1.0 / std::sqrt(dev2[c] / N + double(a.eps)));
  }
  const Tensor mean = Tensor::from_vector({C}, gmean, dev), var = Tensor::from_vector({C}, gvar, dev);
  const Tensor invstd = Tensor::from_vector({C}, ginv, dev);
  BnArgs all = a;  // the running variance is unbiased with the rows of all replicas
  all.M = static_cast<int64_t>(N);
  IQNAS_DISPATCH(dev, batchnorm_update_running, all, s.momentum, mean.data(), invstd.data(), s.running_mean->data(), s.running_var->data());
  // y = (x - mean) * gamma / sqrt(var + eps) + beta: the eval kernel with the batch's statistics.
  Tensor y = empty_like(x);
  IQNAS_DISPATCH(dev, batchnorm_forward_eval, a, x.data(), gamma.data(), beta.data(), mean.data(), var.data(), y.data());
  if (act) IQNAS_DISPATCH(dev, act_forward, *act, y.data(), out.data(), y.numel());
  else out = y;
  return make_result(out, op, {xv, gv, bv}, [x, gamma, beta, mean, invstd, a, act, N, &sync](const Tensor& gz0, const std::vector<bool>&) {
    const Tensor gz = gz0.contiguous();
    const Device d = gz.device();
    const int64_t C = a.C;
    Tensor gx = empty_like(x), gg = Tensor::empty({C}, d), gb = Tensor::empty({C}, d);
    if (act)
      IQNAS_DISPATCH(d, batchnorm_act_backward, a, *act, x.data(), gz.data(), gamma.data(), beta.data(), mean.data(),
                     invstd.data(), gx.data(), gg.data(), gb.data());
    else
      IQNAS_DISPATCH(d, batchnorm_backward, a, x.data(), gz.data(), gamma.data(), mean.data(), invstd.data(), gx.data(),
                     gg.data(), gb.data());
    // This replica's sum gy (gb) and sum gy * xhat (gg); gamma's and beta's gradients stay this
    // replica's (the trainer averages parameter gradients over the replicas).
    const std::vector<double> sb = to_double(gb), sg = to_double(gg), k = to_double(gamma), is = to_double(invstd),
                              mu = to_double(mean);
    std::vector<double> tot(static_cast<size_t>(2 * C));
    for (int64_t c = 0; c < C; ++c) tot[c] = sb[c], tot[C + c] = sg[c];
    sync.sum(tot.data(), tot.size());
    // gx = gamma * invstd * (gy - sum gy / rows - xhat * sum gy xhat / rows): the kernel used this
    // replica's sums and rows; add gamma * invstd * ((local - total) terms), i.e. x * A + B.
    const double M = static_cast<double>(a.M);
    std::vector<float> A(static_cast<size_t>(C)), B(static_cast<size_t>(C));
    for (int64_t c = 0; c < C; ++c) {
      const double kc = k[c] * is[c];
      const double ac = kc * is[c] * (sg[c] / M - tot[C + c] / N);
      A[c] = static_cast<float>(ac);
      B[c] = static_cast<float>(kc * (sb[c] / M - tot[c] / N) - mu[c] * ac);
    }
    Tensor fix = empty_like(x);
    const Tensor At = Tensor::from_vector({C}, A, d), Bt = Tensor::from_vector({C}, B, d);
    IQNAS_DISPATCH(d, mul_channels, x.data(), At.data(), fix.data(), 1, a.M, C);
    IQNAS_DISPATCH(d, add_bias, fix.data(), Bt.data(), a.M, C);
    IQNAS_DISPATCH(d, add, gx.data(), fix.data(), gx.data(), gx.numel());
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
