#include "kernels/loss.h"

#include <algorithm>
#include <cmath>

namespace iqnas::cpu {

// Softmax of one row of K logits scaled by 1/T; returns log of the normaliser (for log-probs).
static double softmax_row(const float* z, float inv_t, float* p, int64_t K) {
  float mx = z[0] * inv_t;
  for (int64_t k = 1; k < K; ++k) mx = std::max(mx, z[k] * inv_t);
  double sum = 0;
  for (int64_t k = 0; k < K; ++k) {
    p[k] = std::exp(z[k] * inv_t - mx);
    sum += p[k];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t k = 0; k < K; ++k) p[k] *= inv;
  return mx + std::log(sum);
}

void softmax_xent_forward(const float* logits, const int32_t* labels, float smoothing, float* prob,
                          float* loss, int64_t N, int64_t K) {
#pragma omp parallel for if (N * K > 4096)
  for (int64_t n = 0; n < N; ++n) {
    const float* z = logits + n * K;
    const double lse = softmax_row(z, 1.f, prob + n * K, K);
    double mean_logp = 0;
    for (int64_t k = 0; k < K; ++k) mean_logp += z[k] - lse;
    mean_logp /= static_cast<double>(K);
    const double logp_label = z[labels[n]] - lse;
    loss[n] = static_cast<float>(-(1.0 - smoothing) * logp_label - smoothing * mean_logp);
  }
}

void softmax_xent_backward(const float* prob, const int32_t* labels, float smoothing, float gscale,
                           float* glogits, int64_t N, int64_t K) {
  const float off = smoothing / static_cast<float>(K);
#pragma omp parallel for if (N * K > 4096)
  for (int64_t n = 0; n < N; ++n) {
    const float* p = prob + n * K;
    float* g = glogits + n * K;
    for (int64_t k = 0; k < K; ++k) g[k] = gscale * (p[k] - off);
    g[labels[n]] -= gscale * (1.f - smoothing);
  }
}

void kl_div_forward(const float* student, const float* teacher, float T, float* ps, float* pt,
                    float* loss, int64_t N, int64_t K) {
  const float inv_t = 1.f / T;
#pragma omp parallel for if (N * K > 4096)
  for (int64_t n = 0; n < N; ++n) {
    const float* s = student + n * K;
    const float* t = teacher + n * K;
    const double lse_s = softmax_row(s, inv_t, ps + n * K, K);
    const double lse_t = softmax_row(t, inv_t, pt + n * K, K);
    double kl = 0;
    for (int64_t k = 0; k < K; ++k) {
      const double logpt = t[k] * inv_t - lse_t, logps = s[k] * inv_t - lse_s;
      kl += pt[n * K + k] * (logpt - logps);
    }
    loss[n] = static_cast<float>(kl * T * T);
  }
}

// d(T^2 KL)/ds = T (ps - pt); d(T^2 KL)/dt = T pt (log pt - log ps - KL).
void kl_div_backward(const float* ps, const float* pt, const float* loss, float T, float gscale,
                     float* gstudent, float* gteacher, int64_t N, int64_t K) {
#pragma omp parallel for if (N * K > 4096)
  for (int64_t n = 0; n < N; ++n) {
    const float* a = ps + n * K;
    const float* b = pt + n * K;
    if (gstudent)
      for (int64_t k = 0; k < K; ++k) gstudent[n * K + k] = gscale * T * (a[k] - b[k]);
    if (gteacher) {
      const double kl = loss[n] / (static_cast<double>(T) * T);
      for (int64_t k = 0; k < K; ++k) {
        const double lr = b[k] > 0 && a[k] > 0 ? std::log(static_cast<double>(b[k]) / a[k]) : 0.0;
        gteacher[n * K + k] = static_cast<float>(gscale * T * b[k] * (lr - kl));
      }
    }
  }
}

}  // namespace iqnas::cpu
