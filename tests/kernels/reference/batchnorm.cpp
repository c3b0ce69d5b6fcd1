#include <cmath>

#include "tests/kernels/reference/reference.h"

namespace iqnas::ref {

BnForward batchnorm_forward_train(const BnArgs& a, const Floats& x, const Floats& gamma, const Floats& beta) {
  const int64_t M = a.M, C = a.C;
  BnForward r;
  r.mean.assign(C, 0.0), r.var.assign(C, 0.0), r.invstd.assign(C, 0.0), r.y.assign(M * C, 0.0);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t c = 0; c < C; ++c) r.mean[c] += x[m * C + c];
  for (auto& v : r.mean) v /= double(M);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t c = 0; c < C; ++c) {
      const double d = x[m * C + c] - r.mean[c];  // two passes: exact even when |mean| >> std
      r.var[c] += d * d;
    }
  for (int64_t c = 0; c < C; ++c) {
    r.var[c] /= double(M);
    r.invstd[c] = 1.0 / std::sqrt(r.var[c] + a.eps);
  }
  for (int64_t m = 0; m < M; ++m)
    for (int64_t c = 0; c < C; ++c) r.y[m * C + c] = (x[m * C + c] - r.mean[c]) * r.invstd[c] * gamma[c] + beta[c];
  return r;
}

Doubles batchnorm_forward_eval(const BnArgs& a, const Floats& x, const Floats& gamma, const Floats& beta,
                               const Floats& running_mean, const Floats& running_var) {
  const int64_t M = a.M, C = a.C;
  Doubles y(M * C);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t c = 0; c < C; ++c)
      y[m * C + c] = (x[m * C + c] - double(running_mean[c])) / std::sqrt(double(running_var[c]) + a.eps) * gamma[c] + beta[c];
  return y;
}

// With xh = (x - mean) * invstd: gbeta = sum gy, ggamma = sum gy * xh, and, since the batch
// statistics depend on x, gx = gamma * invstd * (gy - gbeta / M - xh * ggamma / M).
BnBackward batchnorm_backward(const BnArgs& a, const Floats& x, const Floats& gy, const Floats& gamma) {
  const int64_t M = a.M, C = a.C;
  const Floats zero(C, 0.f);
  const BnForward f = batchnorm_forward_train(a, x, gamma, zero);
  BnBackward r;
  r.gx.assign(M * C, 0.0), r.ggamma.assign(C, 0.0), r.gbeta.assign(C, 0.0);
  auto xh = [&](int64_t m, int64_t c) { return (x[m * C + c] - f.mean[c]) * f.invstd[c]; };
  for (int64_t m = 0; m < M; ++m)
    for (int64_t c = 0; c < C; ++c) {
      r.gbeta[c] += gy[m * C + c];
      r.ggamma[c] += gy[m * C + c] * xh(m, c);
    }
  for (int64_t m = 0; m < M; ++m)
    for (int64_t c = 0; c < C; ++c)
      r.gx[m * C + c] = gamma[c] * f.invstd[c] * (gy[m * C + c] - r.gbeta[c] / M - xh(m, c) * r.ggamma[c] / M);
  return r;
}

BnRunning batchnorm_update_running(const BnArgs& a, double momentum, const Floats& x, const Floats& running_mean,
                                   const Floats& running_var) {
  const Floats ones(a.C, 1.f), zero(a.C, 0.f);
  const BnForward f = batchnorm_forward_train(a, x, ones, zero);
  BnRunning r;
  for (int64_t c = 0; c < a.C; ++c) {
    r.mean.push_back((1 - momentum) * running_mean[c] + momentum * f.mean[c]);
    r.var.push_back((1 - momentum) * running_var[c] + momentum * f.var[c] * double(a.M) / double(a.M - 1));
  }
  return r;
}

}  // namespace iqnas::ref
