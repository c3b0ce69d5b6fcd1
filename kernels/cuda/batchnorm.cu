// Batch normalisation over x viewed as [M, C] on the GPU, same semantics as
// kernels/cpu/batchnorm.cpp:
//  * statistics: pass 1 gives each block 32 channels and a slice of the rows; each thread sums its
//    rows in float over runs of 64 rows, folded into double, the block folds its 8 row slices in
//    shared memory and writes one double partial per channel; pass 2 (one thread per channel) sums
//    the partials in a fixed order. Training sums are shifted by row 0 (as on the CPU), which keeps
//    the one-pass variance accurate when |mean| >> std; the backward sums are centred on the mean.
//  * the elementwise passes (normalise, eval, input gradient) use float4 when C % 4 == 0.
//  * batch norm + activation (act >= 0): the normalise pass applies the activation; the backward
//    passes turn each gz into gy = gz * act'(pre-activation), recomputed from x (as on the CPU).
//  * the split kernels of the synchronised batch norm (batchnorm_stats, batchnorm_(act_)normalize,
//    batchnorm_(act_)backward_input) launch the same kernels as the training ones, alone.
#include <algorithm>
#include <initializer_list>

#include "kernels/act_math.h"
#include "kernels/batchnorm.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/vec.h"

namespace iqnas::cuda {
namespace {

constexpr int kTx = 32, kTy = 8;
constexpr int kFold = 64;  // rows summed in float before folding into double
constexpr int kNoAct = -1;  // `act` of the plain batch norm

// The normalisation's output at channel c for d = x - mean, and after the activation.
__device__ __forceinline__ float normalized(float d, int c, const float* gamma, const float* beta, const float* invstd) {
  return d * ((gamma ? gamma[c] : 1.0f) * invstd[c]) + (beta ? beta[c] : 0.0f);
}
__device__ __forceinline__ float activated(int act, float v) { return act == kNoAct ? v : act_value(Act(act), v); }

// gy = gz * act'(pre-activation) at channel c for d = x - mean; gz itself without an activation.
__device__ __forceinline__ float pre_grad(int act, float gz, float d, int c, const float* gamma, const float* beta,
                                          const float* invstd) {
  return act == kNoAct ? gz : gz * act_derivative(Act(act), normalized(d, c, gamma, beta, invstd));
}

// partial[(blockIdx.y * 2 + j) * C + c], j = 0, 1:
//   forward  (gy == nullptr): sum (x - center), sum (x - center)^2
//   backward (gy != nullptr): sum gy,           sum gy * (x - center)
// (with an activation, gy = pre_grad(gz = the gy argument); center is then the mean).
__global__ void __launch_bounds__(kTx* kTy) k_bn_partial(long long M, int C, const float* __restrict__ x,
                                                         const float* __restrict__ gy,
                                                         const float* __restrict__ center, int act,
                                                         const float* __restrict__ gamma,
                                                         const float* __restrict__ beta,
                                                         const float* __restrict__ invstd,
                                                         double* __restrict__ partial) {
  __shared__ double red[2][kTy][kTx];
  const int c = blockIdx.x * kTx + threadIdx.x;
  double d1 = 0, d2 = 0;
  if (c < C) {
    const float k = center[c];
    float f1 = 0.f, f2 = 0.f;
    int run = 0;
    for (long long r = (long long)blockIdx.y * kTy + threadIdx.y; r < M; r += (long long)gridDim.y * kTy) {
      const float d = x[r * C + c] - k;
      if (gy) {
        const float g = pre_grad(act, gy[r * C + c], d, c, gamma, beta, invstd);
        f1 += g;
        f2 = fmaf(g, d, f2);
      } else {
        f1 += d;
        f2 = fmaf(d, d, f2);
      }
      if (++run == kFold) {
        d1 += f1;
        d2 += f2;
        f1 = f2 = 0.f;
        run = 0;
      }
    }
    d1 += f1;
    d2 += f2;
  }
  red[0][threadIdx.y][threadIdx.x] = d1;
  red[1][threadIdx.y][threadIdx.x] = d2;
  __syncthreads();
  if (threadIdx.y == 0 && c < C) {
    double s1 = 0, s2 = 0;
    for (int u = 0; u < kTy; ++u) {
      s1 += red[0][u][threadIdx.x];
      s2 += red[1][u][threadIdx.x];
    }
    partial[((long long)blockIdx.y * 2 + 0) * C + c] = s1;
    partial[((long long)blockIdx.y * 2 + 1) * C + c] = s2;
  }
}

__device__ __forceinline__ void sum_partials(const double* partial, int P, int C, int c, double& s1, double& s2) {
  s1 = 0;
  s2 = 0;
  for (int p = 0; p < P; ++p) {
    s1 += partial[((long long)p * 2 + 0) * C + c];
    s2 += partial[((long long)p * 2 + 1) * C + c];
  }
}

// Channel c's mean and biased variance over the M rows, from the partial sums shifted by row 0.
__device__ __forceinline__ void moments(const double* partial, int P, long long M, int C, int c, const float* shift,
                                        double& mean, double& var) {
  double m1, m2;
  sum_partials(partial, P, C, c, m1, m2);
  m1 /= double(M);
  m2 /= double(M);
  var = fmax(m2 - m1 * m1, 0.0);
  mean = m1 + double(shift[c]);
}

__global__ void k_bn_stats(const double* partial, int P, long long M, int C, float eps, const float* shift,
                           float* mean, float* invstd) {
  const int c = blockIdx.x * 256 + threadIdx.x;
  if (c >= C) return;
  double mu, var;
  moments(partial, P, M, C, c, shift, mu, var);
  mean[c] = float(mu);
  invstd[c] = float(1.0 / sqrt(var + double(eps)));
}

// batchnorm_stats: mean and m2 = sum (x - mean)^2.
__global__ void k_bn_moments(const double* partial, int P, long long M, int C, const float* shift, float* mean,
                             float* m2) {
  const int c = blockIdx.x * 256 + threadIdx.x;
  if (c >= C) return;
  double mu, var;
  moments(partial, P, M, C, c, shift, mu, var);
  mean[c] = float(mu);
  m2[c] = float(var * double(M));
}

// The input-gradient coefficients coef[0..C) = k, [C..2C) = q, [2C..3C) = o with
// gx = k * gy + q * (x - mean) + o, from sum_gy = sum gy and ggamma = sum gy * xhat over `rows` rows.
__device__ __forceinline__ void input_coefficients(double sum_gy, double ggamma, double rows, const float* gamma,
                                                   const float* invstd, int C, int c, float* coef) {
  const double is = invstd[c];
  const double kk = double(gamma ? gamma[c] : 1.0f) * is;
  coef[c] = float(kk);
  coef[C + c] = float(-kk * ggamma * is / rows);
  coef[2 * C + c] = float(-kk * sum_gy / rows);
}

// Backward per-channel results: gbeta, ggamma (either may be null) and the input-gradient
// coefficients (coef null: none).
__global__ void k_bn_backward_stats(const double* partial, int P, long long M, int C, const float* gamma,
                                    const float* invstd, float* ggamma, float* gbeta, float* coef) {
  const int c = blockIdx.x * 256 + threadIdx.x;
  if (c >= C) return;
  double g1, g2;
  sum_partials(partial, P, C, c, g1, g2);
  const double gg = g2 * double(invstd[c]);
  if (gbeta) gbeta[c] = float(g1);
  if (ggamma) ggamma[c] = float(gg);
  if (coef) input_coefficients(g1, gg, double(M), gamma, invstd, C, c, coef);
}

// batchnorm_(act_)backward_input: the coefficients from the given sums.
__global__ void k_bn_input_coef(long long rows, int C, const float* gamma, const float* invstd, const float* ggamma,
                                const float* gbeta, float* coef) {
  const int c = blockIdx.x * 256 + threadIdx.x;
  if (c >= C) return;
  input_coefficients(gbeta[c], ggamma[c], double(rows), gamma, invstd, C, c, coef);
}

// y = act((x - mean) * (gamma * invstd) + beta); V channels per thread (C % V == 0).
template <int V>
__global__ void k_bn_normalize(long long total, int C, int act, const float* __restrict__ x, const float* __restrict__ gamma,
                               const float* __restrict__ beta, const float* __restrict__ mean,
                               const float* __restrict__ invstd, float* __restrict__ y) {
  for (long long i = blockIdx.x * 256LL + threadIdx.x; i * V < total; i += 256LL * gridDim.x) {
    const int c0 = int((i * V) % C);
    float v[V];
    if constexpr (V == 4) {
      const float4 t = __ldg(reinterpret_cast<const float4*>(x) + i);
      v[0] = t.x, v[1] = t.y, v[2] = t.z, v[3] = t.w;
    } else {
      v[0] = x[i];
    }
#pragma unroll
    for (int j = 0; j < V; ++j) {
      const int c = c0 + j;
      v[j] = activated(act, normalized(v[j] - mean[c], c, gamma, beta, invstd));
    }
    if constexpr (V == 4)
      reinterpret_cast<float4*>(y)[i] = make_float4(v[0], v[1], v[2], v[3]);
    else
      y[i] = v[0];
  }
}

// Eval: y = (x - running_mean) * (gamma / sqrt(running_var + eps)) + beta.
template <int V>
__global__ void k_bn_eval(long long total, int C, float eps, const float* __restrict__ x,
                          const float* __restrict__ gamma, const float* __restrict__ beta,
                          const float* __restrict__ rm, const float* __restrict__ rv, float* __restrict__ y) {
  for (long long i = blockIdx.x * 256LL + threadIdx.x; i * V < total; i += 256LL * gridDim.x) {
    const int c0 = int((i * V) % C);
    float v[V];
    if constexpr (V == 4) {
      const float4 t = __ldg(reinterpret_cast<const float4*>(x) + i);
      v[0] = t.x, v[1] = t.y, v[2] = t.z, v[3] = t.w;
    } else {
      v[0] = x[i];
    }
#pragma unroll
    for (int j = 0; j < V; ++j) {
      const int c = c0 + j;
      const float sc = (gamma ? gamma[c] : 1.0f) * (1.0f / sqrtf(rv[c] + eps));
      v[j] = (v[j] - rm[c]) * sc + (beta ? beta[c] : 0.0f);
    }
    if constexpr (V == 4)
      reinterpret_cast<float4*>(y)[i] = make_float4(v[0], v[1], v[2], v[3]);
    else
      y[i] = v[0];
  }
}

// gx = k * gy + q * (x - mean) + o per channel (coef as written by k_bn_backward_stats; with an
// activation gy = pre_grad(gz = the gy argument)).
template <int V>
__global__ void k_bn_backward_dx(long long total, int C, const float* __restrict__ x, const float* __restrict__ gy,
                                 const float* __restrict__ mean, const float* __restrict__ coef, int act,
                                 const float* __restrict__ gamma, const float* __restrict__ beta,
                                 const float* __restrict__ invstd, float* __restrict__ gx) {
  for (long long i = blockIdx.x * 256LL + threadIdx.x; i * V < total; i += 256LL * gridDim.x) {
    const int c0 = int((i * V) % C);
    float xv[V], gv[V], out[V];
    if constexpr (V == 4) {
      const float4 a = __ldg(reinterpret_cast<const float4*>(x) + i);
      const float4 b = __ldg(reinterpret_cast<const float4*>(gy) + i);
      xv[0] = a.x, xv[1] = a.y, xv[2] = a.z, xv[3] = a.w;
      gv[0] = b.x, gv[1] = b.y, gv[2] = b.z, gv[3] = b.w;
    } else {
      xv[0] = x[i];
      gv[0] = gy[i];
    }
#pragma unroll
    for (int j = 0; j < V; ++j) {
      const int c = c0 + j;
      const float d = xv[j] - mean[c];
      out[j] = coef[c] * pre_grad(act, gv[j], d, c, gamma, beta, invstd) + coef[C + c] * d + coef[2 * C + c];
    }
    if constexpr (V == 4)
      reinterpret_cast<float4*>(gx)[i] = make_float4(out[0], out[1], out[2], out[3]);
    else
      gx[i] = out[0];
  }
}

__global__ void k_bn_update_running(long long M, int C, float eps, float momentum, const float* mean,
                                    const float* invstd, float* running_mean, float* running_var) {
  const int c = blockIdx.x * 256 + threadIdx.x;
  if (c >= C) return;
  const double unbias = M > 1 ? double(M) / double(M - 1) : 1.0;
  const double is = invstd[c];
  const double var = fmax(1.0 / (is * is) - double(eps), 0.0) * unbias;
  running_mean[c] = float((1.0 - momentum) * running_mean[c] + momentum * mean[c]);
  running_var[c] = float((1.0 - momentum) * running_var[c] + momentum * var);
}

// Block rows of pass 1: about four blocks per multiprocessor, each block row owning >= kTy rows.
int partial_rows(const BnArgs& a) {
  const int bx = int((a.C + kTx - 1) / kTx);
  const long long max_by = std::max<long long>((a.M + kTy - 1) / kTy, 1);
  return int(std::clamp<long long>((4LL * sm_count() + bx - 1) / bx, 1, max_by));
}

void partial_sums(const BnArgs& a, int by, const float* x, const float* gy, const float* center, int act,
                  const float* gamma, const float* beta, const float* invstd, double* partial) {
  const int bx = int((a.C + kTx - 1) / kTx);
  k_bn_partial<<<dim3{unsigned(bx), unsigned(by)}, dim3{kTx, kTy}, 0, stream()>>>(a.M, int(a.C), x, gy, center, act,
                                                                                gamma, beta, invstd, partial);
  IQNAS_CUDA_LAUNCH_CHECK();
}

bool vec4(int64_t C, std::initializer_list<const void*> ps) {
  if (C % 4) return false;
  for (const void* p : ps)
    if (!aligned16(p)) return false;
  return true;
}

// y = act((x - mean) * gamma * invstd + beta): the forward's second pass.
void normalize(const BnArgs& a, int act, const float* x, const float* gamma, const float* beta, const float* mean,
               const float* invstd, float* y) {
  const long long total = a.M * a.C;
  if (total <= 0) return;
  if (vec4(a.C, {x, y}))
    k_bn_normalize<4><<<iqnas_grid(total / 4), 256, 0, stream()>>>(total, int(a.C), act, x, gamma, beta, mean, invstd, y);
  else
    k_bn_normalize<1><<<iqnas_grid(total), 256, 0, stream()>>>(total, int(a.C), act, x, gamma, beta, mean, invstd, y);
  IQNAS_CUDA_LAUNCH_CHECK();
}

// gx from the coefficients (coef as written by input_coefficients): the backward's second pass.
void input_gradient(const BnArgs& a, int act, const float* x, const float* gy, const float* gamma, const float* beta,
                    const float* mean, const float* invstd, const float* coef, float* gx) {
  const long long total = a.M * a.C;
  if (total <= 0) return;
  if (vec4(a.C, {x, gy, gx}))
    k_bn_backward_dx<4><<<iqnas_grid(total / 4), 256, 0, stream()>>>(total, int(a.C), x, gy, mean, coef, act, gamma,
                                                                     beta, invstd, gx);
  else
    k_bn_backward_dx<1><<<iqnas_grid(total), 256, 0, stream()>>>(total, int(a.C), x, gy, mean, coef, act, gamma, beta,
                                                                 invstd, gx);
  IQNAS_CUDA_LAUNCH_CHECK();
}

}  // namespace

namespace {

void forward_train(const BnArgs& a, int act, const float* x, const float* gamma, const float* beta, float* y,
                   float* mean, float* invstd) {
  if (a.M <= 0 || a.C <= 0) return;
  const int P = partial_rows(a);
  Scratch partial(sizeof(double) * 2 * size_t(P) * size_t(a.C));
  partial_sums(a, P, x, nullptr, x, kNoAct, nullptr, nullptr, nullptr, partial.as<double>());  // shifted by row 0
  const unsigned cb = unsigned((a.C + 255) / 256);
  k_bn_stats<<<cb, 256, 0, stream()>>>(partial.as<double>(), P, a.M, int(a.C), a.eps, x, mean, invstd);
  IQNAS_CUDA_LAUNCH_CHECK();
  normalize(a, act, x, gamma, beta, mean, invstd, y);
}

void backward(const BnArgs& a, int act, const float* x, const float* gy, const float* gamma, const float* beta,
              const float* mean, const float* invstd, float* gx, float* ggamma, float* gbeta) {
  if (a.C <= 0) return;
  if (a.M <= 0) {
    if (ggamma) memset_zero(ggamma, sizeof(float) * size_t(a.C));
    if (gbeta) memset_zero(gbeta, sizeof(float) * size_t(a.C));
    return;
  }
  const int P = partial_rows(a);
  Scratch partial(sizeof(double) * 2 * size_t(P) * size_t(a.C));
  partial_sums(a, P, x, gy, mean, act, gamma, beta, invstd, partial.as<double>());
  Scratch coef(gx ? sizeof(float) * 3 * size_t(a.C) : 0);
  const unsigned cb = unsigned((a.C + 255) / 256);
  k_bn_backward_stats<<<cb, 256, 0, stream()>>>(partial.as<double>(), P, a.M, int(a.C), gamma, invstd, ggamma, gbeta,
                                                coef.as<float>());
  IQNAS_CUDA_LAUNCH_CHECK();
  if (gx) input_gradient(a, act, x, gy, gamma, beta, mean, invstd, coef.as<float>(), gx);
}

void backward_input(const BnArgs& a, int act, int64_t rows, const float* x, const float* gy, const float* gamma,
                    const float* beta, const float* mean, const float* invstd, const float* ggamma, const float* gbeta,
                    float* gx) {
  if (a.M <= 0 || a.C <= 0) return;
  Scratch coef(sizeof(float) * 3 * size_t(a.C));
  k_bn_input_coef<<<unsigned((a.C + 255) / 256), 256, 0, stream()>>>(rows, int(a.C), gamma, invstd, ggamma, gbeta,
                                                                     coef.as<float>());
  IQNAS_CUDA_LAUNCH_CHECK();
  input_gradient(a, act, x, gy, gamma, beta, mean, invstd, coef.as<float>(), gx);
}

}  // namespace

void batchnorm_forward_train(const BnArgs& a, const float* x, const float* gamma, const float* beta, float* y,
                             float* mean, float* invstd) {
  forward_train(a, kNoAct, x, gamma, beta, y, mean, invstd);
}

void batchnorm_act_forward_train(const BnArgs& a, Act act, const float* x, const float* gamma, const float* beta,
                                 float* z, float* mean, float* invstd) {
  forward_train(a, int(act), x, gamma, beta, z, mean, invstd);
}

void batchnorm_forward_eval(const BnArgs& a, const float* x, const float* gamma, const float* beta,
                            const float* running_mean, const float* running_var, float* y) {
  const long long total = a.M * a.C;
  if (total <= 0) return;
  if (vec4(a.C, {x, y}))
    k_bn_eval<4><<<iqnas_grid(total / 4), 256, 0, stream()>>>(total, int(a.C), a.eps, x, gamma, beta, running_mean,
                                                             running_var, y);
  else
    k_bn_eval<1><<<iqnas_grid(total), 256, 0, stream()>>>(total, int(a.C), a.eps, x, gamma, beta, running_mean,
                                                         running_var, y);
  IQNAS_CUDA_LAUNCH_CHECK();
}

void batchnorm_backward(const BnArgs& a, const float* x, const float* gy, const float* gamma, const float* mean,
                        const float* invstd, float* gx, float* ggamma, float* gbeta) {
  backward(a, kNoAct, x, gy, gamma, nullptr, mean, invstd, gx, ggamma, gbeta);
}

void batchnorm_act_backward(const BnArgs& a, Act act, const float* x, const float* gz, const float* gamma,
                            const float* beta, const float* mean, const float* invstd, float* gx, float* ggamma,
                            float* gbeta) {
  backward(a, int(act), x, gz, gamma, beta, mean, invstd, gx, ggamma, gbeta);
}

void batchnorm_stats(const BnArgs& a, const float* x, float* mean, float* m2) {
  if (a.M <= 0 || a.C <= 0) return;
  const int P = partial_rows(a);
  Scratch partial(sizeof(double) * 2 * size_t(P) * size_t(a.C));
  partial_sums(a, P, x, nullptr, x, kNoAct, nullptr, nullptr, nullptr, partial.as<double>());  // shifted by row 0
  k_bn_moments<<<unsigned((a.C + 255) / 256), 256, 0, stream()>>>(partial.as<double>(), P, a.M, int(a.C), x, mean, m2);
  IQNAS_CUDA_LAUNCH_CHECK();
}

void batchnorm_normalize(const BnArgs& a, const float* x, const float* gamma, const float* beta, const float* mean,
                         const float* invstd, float* y) {
  normalize(a, kNoAct, x, gamma, beta, mean, invstd, y);
}

void batchnorm_act_normalize(const BnArgs& a, Act act, const float* x, const float* gamma, const float* beta,
                             const float* mean, const float* invstd, float* z) {
  normalize(a, int(act), x, gamma, beta, mean, invstd, z);
}

void batchnorm_backward_input(const BnArgs& a, int64_t rows, const float* x, const float* gy, const float* gamma,
                              const float* mean, const float* invstd, const float* ggamma, const float* gbeta,
                              float* gx) {
  backward_input(a, kNoAct, rows, x, gy, gamma, nullptr, mean, invstd, ggamma, gbeta, gx);
}

void batchnorm_act_backward_input(const BnArgs& a, Act act, int64_t rows, const float* x, const float* gz,
                                  const float* gamma, const float* beta, const float* mean, const float* invstd,
                                  const float* ggamma, const float* gbeta, float* gx) {
  backward_input(a, int(act), rows, x, gz, gamma, beta, mean, invstd, ggamma, gbeta, gx);
}

void batchnorm_update_running(const BnArgs& a, float momentum, const float* mean, const float* invstd,
                              float* running_mean, float* running_var) {
  if (a.C <= 0) return;
  k_bn_update_running<<<unsigned((a.C + 255) / 256), 256, 0, stream()>>>(a.M, int(a.C), a.eps, momentum, mean, invstd,
                                                                         running_mean, running_var);
  IQNAS_CUDA_LAUNCH_CHECK();
}

}  // namespace iqnas::cuda
