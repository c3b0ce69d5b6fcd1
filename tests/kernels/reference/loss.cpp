#include <algorithm>
#include <cmath>

#include "tests/kernels/reference/reference.h"

namespace iqnas::ref {
namespace {
// log softmax of row n of z / T.
Doubles log_softmax_row(const Floats& z, double T, int64_t n, int64_t K) {
  double mx = -INFINITY;
  for (int64_t k = 0; k < K; ++k) mx = std::max(mx, z[n * K + k] / T);
  double sum = 0;
  for (int64_t k = 0; k < K; ++k) sum += std::exp(z[n * K + k] / T - mx);
  Doubles r(K);
  for (int64_t k = 0; k < K; ++k) r[k] = z[n * K + k] / T - mx - std::log(sum);
  return r;
}
}  // namespace

XentForward softmax_xent_forward(const Floats& logits, const Labels& labels, double smoothing, int64_t N, int64_t K) {
  XentForward r;
  r.prob.resize(N * K), r.loss.assign(N, 0.0);
  for (int64_t n = 0; n < N; ++n) {
    const Doubles lp = log_softmax_row(logits, 1.0, n, K);
    for (int64_t k = 0; k < K; ++k) {
      const double q = smoothing / double(K) + (k == labels[n] ? 1.0 - smoothing : 0.0);  // the smoothed target
      r.loss[n] -= q * lp[k];
      r.prob[n * K + k] = std::exp(lp[k]);
    }
  }
  return r;
}

// d loss / d z_k = p_k - q_k, for the smoothed target q (which sums to 1).
Doubles softmax_xent_backward(const Floats& logits, const Labels& labels, double smoothing, double gscale, int64_t N,
                              int64_t K) {
  const Doubles p = softmax_xent_forward(logits, labels, smoothing, N, K).prob;
  Doubles g(N * K);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k) {
      const double q = smoothing / double(K) + (k == labels[n] ? 1.0 - smoothing : 0.0);
      g[n * K + k] = gscale * (p[n * K + k] - q);
    }
  return g;
}

KlForward kl_div_forward(const Floats& student, const Floats& teacher, double T, int64_t N, int64_t K) {
  KlForward r;
  r.ps.resize(N * K), r.pt.resize(N * K), r.loss.assign(N, 0.0);
  for (int64_t n = 0; n < N; ++n) {
    const Doubles ls = log_softmax_row(student, T, n, K), lt = log_softmax_row(teacher, T, n, K);
    for (int64_t k = 0; k < K; ++k) {
      r.ps[n * K + k] = std::exp(ls[k]), r.pt[n * K + k] = std::exp(lt[k]);
      r.loss[n] += r.pt[n * K + k] * (lt[k] - ls[k]);
    }
    r.loss[n] *= T * T;
  }
  return r;
}

// With l_k = log pt_k - log ps_k and KL = sum_k pt_k l_k: d(T^2 KL)/ds_k = T (ps_k - pt_k) and
// d(T^2 KL)/dt_k = T pt_k (l_k - KL).
KlBackward kl_div_backward(const Floats& student, const Floats& teacher, double T, double gscale, int64_t N, int64_t K) {
  const KlForward f = kl_div_forward(student, teacher, T, N, K);
  KlBackward r;
  r.gstudent.resize(N * K), r.gteacher.resize(N * K);
  for (int64_t n = 0; n < N; ++n) {
    const double kl = f.loss[n] / (T * T);
    for (int64_t k = 0; k < K; ++k) {
      const int64_t i = n * K + k;
      r.gstudent[i] = gscale * T * (f.ps[i] - f.pt[i]);
      r.gteacher[i] = gscale * T * f.pt[i] * (std::log(f.pt[i] / f.ps[i]) - kl);
    }
  }
  return r;
}

}  // namespace iqnas::ref
