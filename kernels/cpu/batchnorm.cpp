// Batch normalisation over x viewed as [M, C] (NHWC activations, M = N*H*W).
//
// The fused batch norm + activation kernels are the same passes with the activation applied in the
// output pass (forward) and its derivative applied to each gz as it is read (backward), the
// pre-activation recomputed from x: one pass less each way, and no pre-activation tensor.
//
// Rows are split among OpenMP threads; each thread accumulates per-channel partial sums in float
// over short row blocks (vectorised along channels) and folds them into double accumulators, then
// the per-thread partials are reduced. The training statistics use sums shifted by the first row,
// which keeps the one-pass variance accurate when |mean| >> std.
#include "kernels/batchnorm.h"

#include "kernels/act_math.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

namespace iqnas::cpu {
namespace {

constexpr int64_t kRowBlock = 64;  // rows summed in float before folding into double
constexpr int64_t kParallelMin = 1 << 15;  // elements per thread worth a fork/join

inline int threads_for(int64_t M, int64_t C) {
  const int64_t by_work = std::max<int64_t>(1, M * C / kParallelMin);
  const int64_t by_rows = std::max<int64_t>(1, (M + kRowBlock - 1) / kRowBlock);
  return int(std::min<int64_t>({int64_t(omp_get_max_threads()), by_work, by_rows}));
}

// Software prefetch of the streamed rows, kAheadBytes ahead of the one being read (the hardware
// prefetcher alone leaves these passes well below memory bandwidth on the benchmark machine).
constexpr int64_t kAheadBytes = 4096;
inline void prefetch_ahead(const float* row, int64_t C, const float* end) {
  const char* p = reinterpret_cast<const char*>(row) + kAheadBytes;
  const char* e = std::min(reinterpret_cast<const char*>(row + C) + kAheadBytes,
                           reinterpret_cast<const char*>(end));
  for (; p < e; p += 64) __builtin_prefetch(p, 0, 3);
}

// Per-call scratch owned by the calling thread: grows once, then reused (no allocation in steady
// state). Sized for `n` doubles.
double* scratch(std::size_t n) {
  thread_local std::vector<double> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

// Splits [0, M) evenly into `parts` contiguous ranges.
inline void range_of(int64_t M, int parts, int t, int64_t& b, int64_t& e) {
  b = M * t / parts;
  e = M * (t + 1) / parts;
}

// One thread's part of a per-channel two-sum reduction, in `part` (3*C doubles per thread):
// s1, s2 (C doubles each) and float scratch f1, f2 (C floats each).
struct ThreadSums {
  double *s1, *s2;
  float *f1, *f2;
  ThreadSums(double* part, int t, int64_t C)
      : s1(part + std::size_t(t) * 3 * C), s2(s1 + C), f1(reinterpret_cast<float*>(s2 + C)), f2(f1 + C) {}

  // Sums over rows [b, e): add_row(r, f1, f2) adds row r's two terms per channel to f1 and f2; the
  // float sums of each block of kRowBlock rows are folded into s1 and s2.
  template <class AddRow>
  void accumulate(int64_t b, int64_t e, int64_t C, AddRow add_row) {
    std::fill(s1, s1 + 2 * C, 0.0);
    for (int64_t r0 = b; r0 < e; r0 += kRowBlock) {
      const int64_t r1 = std::min(e, r0 + kRowBlock);
      std::fill(f1, f1 + 2 * C, 0.0f);
      for (int64_t r = r0; r < r1; ++r) add_row(r, f1, f2);
      for (int64_t c = 0; c < C; ++c) {
        s1[c] += f1[c];
        s2[c] += f2[c];
      }
    }
  }
};

// Channel c's totals over the `nt` threads' parts.
inline void total(const double* part, int nt, int64_t C, int64_t c, double& t1, double& t2) {
  t1 = t2 = 0;
  for (int u = 0; u < nt; ++u) {
    t1 += part[std::size_t(u) * 3 * C + c];
    t2 += part[std::size_t(u) * 3 * C + C + c];
  }
}

}  // namespace

namespace {

// No activation: the plain batch norm.
struct Identity {
  static float value(float v) { return v; }
};
template <Act A>
struct Activation {
  static float value(float v) { return act_value(A, v); }
  static float derivative(float v) { return act_derivative(A, v); }
};

// Calls f(Activation<act>{}): one instantiation per activation, so that every inner loop is
// branch-free.
template <class F>
void with_act(Act act, F f) {
  switch (act) {
    case Act::ReLU: return f(Activation<Act::ReLU>{});
    case Act::HSwish: return f(Activation<Act::HSwish>{});
    case Act::HSigmoid: return f(Activation<Act::HSigmoid>{});
    case Act::Sigmoid: return f(Activation<Act::Sigmoid>{});
  }
}

// Per-channel scale and shift of the normalisation, y = (x - mean) * sc + bi.
inline void scale_shift(int64_t C, const float* gamma, const float* beta, const float* invstd, float* sc, float* bi) {
  for (int64_t c = 0; c < C; ++c) {
    sc[c] = (gamma ? gamma[c] : 1.0f) * invstd[c];
    bi[c] = beta ? beta[c] : 0.0f;
  }
}

template <class Post>
void forward_train(const BnArgs& a, const float* x, const float* gamma, const float* beta, float* y, float* mean,
                   float* invstd) {
  const int64_t M = a.M, C = a.C;
  const int T = threads_for(M, C);
  // Per thread: C doubles for sum(x - k), C doubles for sum((x - k)^2), plus 2*C floats of scratch.
  double* part = scratch(std::size_t(T) * 3 * C);
  const float* shift = x;  // row 0
#pragma omp parallel num_threads(T)
  {
    const int t = omp_get_thread_num();
    // The team may be smaller than T (e.g. when called inside another parallel region).
    const int nt = omp_get_num_threads();
    int64_t b, e;
    range_of(M, nt, t, b, e);
    ThreadSums ts(part, t, C);
    ts.accumulate(b, e, C, [&](int64_t r, float* f1, float* f2) {
      const float* xr = x + r * C;
      prefetch_ahead(xr, C, x + e * C);
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        const float d = xr[c] - shift[c];
        f1[c] += d;
        f2[c] += d * d;
      }
    });
#pragma omp barrier
#pragma omp for schedule(static)
    for (int64_t c = 0; c < C; ++c) {
      double m1, m2;
      total(part, nt, C, c, m1, m2);
      m1 /= double(M);
      m2 /= double(M);
      const double var = std::max(m2 - m1 * m1, 0.0);
      mean[c] = float(m1 + shift[c]);
      invstd[c] = float(1.0 / std::sqrt(var + double(a.eps)));
    }
    // Implicit barrier: mean/invstd are complete. y = (x - mean) * scale + beta per channel
    // (centring first keeps y accurate when |mean| >> std).
    float* sc = ts.f1;  // this thread's float scratch is free again
    float* bi = ts.f2;
    scale_shift(C, gamma, beta, invstd, sc, bi);
    for (int64_t r = b; r < e; ++r) {
      const float* xr = x + r * C;
      float* yr = y + r * C;
      prefetch_ahead(xr, C, x + e * C);
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) yr[c] = Post::value((xr[c] - mean[c]) * sc[c] + bi[c]);
    }
  }
}

}  // namespace

void batchnorm_forward_train(const BnArgs& a, const float* x, const float* gamma, const float* beta,
                             float* y, float* mean, float* invstd) {
  forward_train<Identity>(a, x, gamma, beta, y, mean, invstd);
}

void batchnorm_act_forward_train(const BnArgs& a, Act act, const float* x, const float* gamma, const float* beta,
                                 float* z, float* mean, float* invstd) {
  with_act(act, [&](auto post) { forward_train<decltype(post)>(a, x, gamma, beta, z, mean, invstd); });
}

void batchnorm_forward_eval(const BnArgs& a, const float* x, const float* gamma, const float* beta,
                            const float* running_mean, const float* running_var, float* y) {
  const int64_t M = a.M, C = a.C;
  float* sc = reinterpret_cast<float*>(scratch(std::size_t(C)));  // 2*C floats
  float* bi = sc + C;
  for (int64_t c = 0; c < C; ++c) {
    const float is = 1.0f / std::sqrt(running_var[c] + a.eps);
    sc[c] = (gamma ? gamma[c] : 1.0f) * is;
    bi[c] = beta ? beta[c] : 0.0f;
  }
  const float* rm = running_mean;
#pragma omp parallel for schedule(static) if (M * C > kParallelMin)
  for (int64_t r = 0; r < M; ++r) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    prefetch_ahead(xr, C, x + M * C);
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) yr[c] = (xr[c] - rm[c]) * sc[c] + bi[c];
  }
}

namespace {

// gy = gz * Pre::derivative(pre-activation); for Identity gy = gz and beta is not read.
template <class Pre>
void backward(const BnArgs& a, const float* x, const float* gz, const float* gamma, const float* beta,
              const float* mean, const float* invstd, float* gx, float* ggamma, float* gbeta) {
  // With xhat = (x - mean) * invstd:
  //   gbeta = sum gy, ggamma = sum gy * xhat,
  //   gx = gamma * invstd * (gy - gbeta / M - xhat * ggamma / M).
  constexpr bool kAct = !std::is_same_v<Pre, Identity>;
  const int64_t M = a.M, C = a.C;
  const int T = threads_for(M, C);
  double* part = scratch(std::size_t(T) * 3 * C + 3 * std::size_t(C));
  double* tot = part + std::size_t(T) * 3 * C;  // [sum gy, sum gy * (x - mean)]
  float* sc = reinterpret_cast<float*>(tot + 2 * C);  // the forward's scale and shift (kAct)
  float* bi = sc + C;
  if (kAct) scale_shift(C, gamma, beta, invstd, sc, bi);
  // gy at (row r, channel c), from gz and x[r, c] - mean[c]
  auto grad = [&](float g, float d, int64_t c) {
    if constexpr (kAct)
      return g * Pre::derivative(d * sc[c] + bi[c]);
    else
      return g;
  };
#pragma omp parallel num_threads(T)
  {
    const int t = omp_get_thread_num();
    // The team may be smaller than T (e.g. when called inside another parallel region).
    const int nt = omp_get_num_threads();
    int64_t b, e;
    range_of(M, nt, t, b, e);
    ThreadSums ts(part, t, C);
    ts.accumulate(b, e, C, [&](int64_t r, float* f1, float* f2) {
      const float* xr = x + r * C;
      const float* gr = gz + r * C;
      prefetch_ahead(xr, C, x + e * C);
      prefetch_ahead(gr, C, gz + e * C);
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        const float d = xr[c] - mean[c];
        const float g = grad(gr[c], d, c);
        f1[c] += g;
        f2[c] += g * d;
      }
    });
#pragma omp barrier
#pragma omp for schedule(static)
    for (int64_t c = 0; c < C; ++c) {
      double g1, g2;
      total(part, nt, C, c, g1, g2);
      tot[c] = g1;
      tot[C + c] = g2;
      if (gbeta) gbeta[c] = float(g1);
      if (ggamma) ggamma[c] = float(g2 * double(invstd[c]));
    }
    if (gx) {
      // gx = k * gy + q * (x - mean) + o, per channel.
      float* k = ts.f1;
      float* q = ts.f2;
      float* o = reinterpret_cast<float*>(ts.s1);  // this thread's double scratch is free again
      for (int64_t c = 0; c < C; ++c) {
        const double is = invstd[c];
        const double kk = double(gamma ? gamma[c] : 1.0f) * is;
        k[c] = float(kk);
        q[c] = float(-kk * tot[C + c] * is * is / double(M));
        o[c] = float(-kk * tot[c] / double(M));
      }
      for (int64_t r = b; r < e; ++r) {
        const float* xr = x + r * C;
        const float* gr = gz + r * C;
        float* out = gx + r * C;
        prefetch_ahead(xr, C, x + e * C);
        prefetch_ahead(gr, C, gz + e * C);
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) {
          const float d = xr[c] - mean[c];
          out[c] = k[c] * grad(gr[c], d, c) + q[c] * d + o[c];
        }
      }
    }
  }
}

}  // namespace

void batchnorm_backward(const BnArgs& a, const float* x, const float* gy, const float* gamma,
                        const float* mean, const float* invstd, float* gx, float* ggamma,
                        float* gbeta) {
  backward<Identity>(a, x, gy, gamma, nullptr, mean, invstd, gx, ggamma, gbeta);
}

void batchnorm_act_backward(const BnArgs& a, Act act, const float* x, const float* gz, const float* gamma,
                            const float* beta, const float* mean, const float* invstd, float* gx, float* ggamma,
                            float* gbeta) {
  with_act(act, [&](auto pre) { backward<decltype(pre)>(a, x, gz, gamma, beta, mean, invstd, gx, ggamma, gbeta); });
}

void batchnorm_update_running(const BnArgs& a, float momentum, const float* mean,
                              const float* invstd, float* running_mean, float* running_var) {
  const double unbias = a.M > 1 ? double(a.M) / double(a.M - 1) : 1.0;
  for (int64_t c = 0; c < a.C; ++c) {
    const double is = invstd[c];
    const double var = std::max(1.0 / (is * is) - double(a.eps), 0.0) * unbias;
    running_mean[c] = float((1.0 - momentum) * running_mean[c] + momentum * mean[c]);
    running_var[c] = float((1.0 - momentum) * running_var[c] + momentum * var);
  }
}

}  // namespace iqnas::cpu
