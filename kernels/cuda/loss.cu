// Loss kernels on the GPU, same semantics as kernels/cpu/loss.cpp: one 256-thread block per row
// of logits for the forward passes (max, then sums of exponentials in double, then the
// probabilities), one thread per element for the backward passes. `labels` is device memory.
#include <cfloat>

#include "kernels/cuda/check.h"
#include "kernels/loss.h"

namespace iqnas::cuda {
namespace {

constexpr int kThreads = 256;

__device__ float block_max(float v, float* sh) {
  sh[threadIdx.x] = v;
  __syncthreads();
  for (unsigned s = kThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) sh[threadIdx.x] = fmaxf(sh[threadIdx.x], sh[threadIdx.x + s]);
    __syncthreads();
  }
  const float r = sh[0];
  __syncthreads();
  return r;
}

__device__ double block_sum(double v, double* sh) {
  sh[threadIdx.x] = v;
  __syncthreads();
  for (unsigned s = kThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
    __syncthreads();
  }
  const double r = sh[0];
  __syncthreads();
  return r;
}

// Softmax of row z scaled by inv_t into p (when p != nullptr); returns log of the normaliser
// (max + log sum exp) of the scaled row.
__device__ double softmax_row(const float* z, float inv_t, float* p, long long K, float* shf, double* shd) {
  float mx = -FLT_MAX;
  for (long long k = threadIdx.x; k < K; k += kThreads) mx = fmaxf(mx, z[k] * inv_t);
  mx = block_max(mx, shf);
  double s = 0;
  for (long long k = threadIdx.x; k < K; k += kThreads) s += double(expf(z[k] * inv_t - mx));
  s = block_sum(s, shd);
  if (p) {
    const float inv = float(1.0 / s);
    for (long long k = threadIdx.x; k < K; k += kThreads) p[k] = expf(z[k] * inv_t - mx) * inv;
  }
  return double(mx) + log(s);
}

__global__ void __launch_bounds__(kThreads) k_xent_forward(const float* logits, const int32_t* labels, float smoothing,
                                                           float* prob, float* loss, long long K) {
  __shared__ float shf[kThreads];
  __shared__ double shd[kThreads];
  const long long n = blockIdx.x;
  const float* z = logits + n * K;
  const double lse = softmax_row(z, 1.f, prob + n * K, K, shf, shd);
  double sz = 0;
  for (long long k = threadIdx.x; k < K; k += kThreads) sz += double(z[k]);
  sz = block_sum(sz, shd);
  if (threadIdx.x == 0) {
    const double mean_logp = sz / double(K) - lse;
    const double logp_label = double(z[labels[n]]) - lse;
    loss[n] = float(-(1.0 - smoothing) * logp_label - smoothing * mean_logp);
  }
}

__global__ void k_xent_backward(const float* prob, const int32_t* labels, float smoothing, float gscale,
                                float* glogits, long long N, long long K) {
  const float off = smoothing / float(K);
  for (long long i = blockIdx.x * 256LL + threadIdx.x; i < N * K; i += 256LL * gridDim.x) {
    const long long n = i / K, k = i % K;
    float g = gscale * (prob[i] - off);
    if (k == labels[n]) g -= gscale * (1.f - smoothing);
    glogits[i] = g;
  }
}

__global__ void __launch_bounds__(kThreads) k_kl_forward(const float* student, const float* teacher, float T, float* ps,
                                                         float* pt, float* loss, long long K) {
  __shared__ float shf[kThreads];
  __shared__ double shd[kThreads];
  const float inv_t = 1.f / T;
  const long long n = blockIdx.x;
  const float* s = student + n * K;
  const float* t = teacher + n * K;
  const double lse_s = softmax_row(s, inv_t, ps + n * K, K, shf, shd);
  const double lse_t = softmax_row(t, inv_t, pt + n * K, K, shf, shd);
  double kl = 0;
  for (long long k = threadIdx.x; k < K; k += kThreads) {
    const double logpt = double(t[k] * inv_t) - lse_t, logps = double(s[k] * inv_t) - lse_s;
    kl += double(pt[n * K + k]) * (logpt - logps);
  }
  kl = block_sum(kl, shd);
  if (threadIdx.x == 0) loss[n] = float(kl * T * T);
}

// d(T^2 KL)/ds = T (ps - pt); d(T^2 KL)/dt = T pt (log pt - log ps - KL).
__global__ void k_kl_backward(const float* ps, const float* pt, const float* loss, float T, float gscale,
                              float* gstudent, float* gteacher, long long N, long long K) {
  for (long long i = blockIdx.x * 256LL + threadIdx.x; i < N * K; i += 256LL * gridDim.x) {
    const float a = ps[i], b = pt[i];
    if (gstudent) gstudent[i] = gscale * T * (a - b);
    if (gteacher) {
      const double kl = double(loss[i / K]) / (double(T) * T);
      const double lr = b > 0 && a > 0 ? log(double(b) / a) : 0.0;
      gteacher[i] = float(gscale * T * b * (lr - kl));
    }
  }
}

}  // namespace

void softmax_xent_forward(const float* logits, const int32_t* labels, float smoothing, float* prob, float* loss,
                          int64_t N, int64_t K) {
  if (N <= 0 || K <= 0) return;
  k_xent_forward<<<unsigned(N), kThreads, 0, stream()>>>(logits, labels, smoothing, prob, loss, K);
  IQNAS_CUDA_LAUNCH_CHECK();
}

void softmax_xent_backward(const float* prob, const int32_t* labels, float smoothing, float gscale, float* glogits,
                           int64_t N, int64_t K) {
  if (N <= 0 || K <= 0) return;
  k_xent_backward<<<iqnas_grid(N * K), 256, 0, stream()>>>(prob, labels, smoothing, gscale, glogits, N, K);
  IQNAS_CUDA_LAUNCH_CHECK();
}

void kl_div_forward(const float* student, const float* teacher, float T, float* ps, float* pt, float* loss, int64_t N,
                    int64_t K) {
  if (N <= 0 || K <= 0) return;
  k_kl_forward<<<unsigned(N), kThreads, 0, stream()>>>(student, teacher, T, ps, pt, loss, K);
  IQNAS_CUDA_LAUNCH_CHECK();
}

void kl_div_backward(const float* ps, const float* pt, const float* loss, float T, float gscale, float* gstudent,
                     float* gteacher, int64_t N, int64_t K) {
  if (N <= 0 || K <= 0 || (!gstudent && !gteacher)) return;
  k_kl_backward<<<iqnas_grid(N * K), 256, 0, stream()>>>(ps, pt, loss, T, gscale, gstudent, gteacher, N, K);
  IQNAS_CUDA_LAUNCH_CHECK();
}

}  // namespace iqnas::cuda
