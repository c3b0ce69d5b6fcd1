// Batch normalisation over x viewed as [M, C] (NHWC activations, M = N*H*W).
//
// The fused batch norm + activation kernels are the same passes with the activation applied in the
// output pass (forward) and its derivative applied to each gz as it is read (backward), the
// pre-activation recomputed from x: one pass less each way, and no pre-activation tensor. The
// split kernels of the synchronised batch norm (batchnorm_stats, batchnorm_(act_)normalize,
// batchnorm_(act_)backward_input) run the same per-thread passes as the training kernels, each in
// its own parallel region.
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

// The pieces of the training kernels, each run by every thread of a team on its rows [b, e):
// the fused one-process kernels run them in one parallel region, the split kernels of the
// synchronised batch norm (stats, normalise, input gradient) each in its own, with the replicas'
// meeting in between.

// This thread's sums of d = x - shift and d^2, shift = row 0 (keeps the one-pass variance accurate
// when |mean| >> std).
inline void shifted_sums(ThreadSums& ts, const float* x, int64_t b, int64_t e, int64_t C) {
  const float* shift = x;
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
}

// Channel c's mean and biased variance over the M rows, from the threads' shifted sums.
inline void moments(const double* part, int nt, int64_t M, int64_t C, int64_t c, const float* x, double& mean,
                    double& var) {
  double m1, m2;
  total(part, nt, C, c, m1, m2);
  m1 /= double(M);
  m2 /= double(M);
  var = std::max(m2 - m1 * m1, 0.0);
  mean = m1 + x[c];
}

// y = Post((x - mean) * sc + bi) per channel over rows [b, e) (centring first keeps y accurate
// when |mean| >> std).
template <class Post>
inline void normalize_rows(const float* x, int64_t b, int64_t e, int64_t C, const float* mean, const float* sc,
                           const float* bi, float* y) {
  for (int64_t r = b; r < e; ++r) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    prefetch_ahead(xr, C, x + e * C);
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) yr[c] = Post::value((xr[c] - mean[c]) * sc[c] + bi[c]);
  }
}

// gy at (row r, channel c) from gz and d = x[r, c] - mean[c]: gz * Pre'(pre-activation), with
// the forward's scale and shift sc, bi; gz itself for Identity.
template <class Pre>
inline float pre_grad(float g, float d, int64_t c, const float* sc, const float* bi) {
  if constexpr (std::is_same_v<Pre, Identity>)
    return g;
  else
    return g * Pre::derivative(d * sc[c] + bi[c]);
}

// This thread's sums of gy and gy * (x - mean) over rows [b, e).
template <class Pre>
inline void grad_sums(ThreadSums& ts, const float* x, const float* gz, const float* mean, const float* sc,
                      const float* bi, int64_t b, int64_t e, int64_t C) {
  ts.accumulate(b, e, C, [&](int64_t r, float* f1, float* f2) {
    const float* xr = x + r * C;
    const float* gr = gz + r * C;
    prefetch_ahead(xr, C, x + e * C);
    prefetch_ahead(gr, C, gz + e * C);
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) {
      const float d = xr[c] - mean[c];
      const float g = pre_grad<Pre>(gr[c], d, c, sc, bi);
      f1[c] += g;
      f2[c] += g * d;
    }
  });
}

// With xhat = (x - mean) * invstd over `rows` rows, sum_gy = sum gy and ggamma = sum gy * xhat:
//   gx = gamma * invstd * (gy - sum_gy / rows - xhat * ggamma / rows) = k * gy + q * (x - mean) + o.
inline void input_coefficients(double sum_gy, double ggamma, double rows, const float* gamma, const float* invstd,
                               int64_t c, float& k, float& q, float& o) {
  const double is = invstd[c];
  const double kk = double(gamma ? gamma[c] : 1.0f) * is;
  k = float(kk);
  q = float(-kk * ggamma * is / rows);
  o = float(-kk * sum_gy / rows);
}

template <class Pre>
inline void input_grad_rows(const float* x, const float* gz, const float* mean, const float* sc, const float* bi,
                            const float* k, const float* q, const float* o, int64_t b, int64_t e, int64_t C,
                            float* gx) {
  for (int64_t r = b; r < e; ++r) {
    const float* xr = x + r * C;
    const float* gr = gz + r * C;
    float* out = gx + r * C;
    prefetch_ahead(xr, C, x + e * C);
    prefetch_ahead(gr, C, gz + e * C);
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) {
      const float d = xr[c] - mean[c];
      out[c] = k[c] * pre_grad<Pre>(gr[c], d, c, sc, bi) + q[c] * d + o[c];
    }
  }
}

// The statistics pass in one parallel region: per_channel(c, mean, var) for every channel once the
// threads' sums are complete, then rest(ts, b, e) on each thread's rows [b, e) (ts's float
// scratch is free again).
template <class PerChannel, class Rest>
void statistics_then(const BnArgs& a, const float* x, PerChannel per_channel, Rest rest) {
  const int64_t M = a.M, C = a.C;
  const int T = threads_for(M, C);
  // Per thread: C doubles for sum(x - k), C doubles for sum((x - k)^2), plus 2*C floats of scratch.
  double* part = scratch(std::size_t(T) * 3 * C);
#pragma omp parallel num_threads(T)
  {
    const int t = omp_get_thread_num();
    // The team may be smaller than T (e.g. when called inside another parallel region).
    const int nt = omp_get_num_threads();
    int64_t b, e;
    range_of(M, nt, t, b, e);
    ThreadSums ts(part, t, C);
    shifted_sums(ts, x, b, e, C);
#pragma omp barrier
#pragma omp for schedule(static)
    for (int64_t c = 0; c < C; ++c) {
      double mu, var;
      moments(part, nt, M, C, c, x, mu, var);
      per_channel(c, mu, var);
    }
    // Implicit barrier: every channel's statistics are written.
    rest(ts, b, e);
  }
}

template <class Post>
void forward_train(const BnArgs& a, const float* x, const float* gamma, const float* beta, float* y, float* mean,
                   float* invstd) {
  statistics_then(
      a, x,
      [&](int64_t c, double mu, double var) {
        mean[c] = float(mu);
        invstd[c] = float(1.0 / std::sqrt(var + double(a.eps)));
      },
      [&](ThreadSums& ts, int64_t b, int64_t e) {
        float* sc = ts.f1;
        float* bi = ts.f2;
        scale_shift(a.C, gamma, beta, invstd, sc, bi);
        normalize_rows<Post>(x, b, e, a.C, mean, sc, bi, y);
      });
}

// y = Post((x - mean) * sc + bi) over all rows.
template <class Post>
void normalize_all(const BnArgs& a, const float* x, const float* mean, const float* sc, const float* bi, float* y) {
#pragma omp parallel num_threads(threads_for(a.M, a.C))
  {
    int64_t b, e;
    range_of(a.M, omp_get_num_threads(), omp_get_thread_num(), b, e);
    normalize_rows<Post>(x, b, e, a.C, mean, sc, bi, y);
  }
}

// y = Post((x - mean) * gamma * invstd + beta) with the given statistics.
template <class Post>
void normalize(const BnArgs& a, const float* x, const float* gamma, const float* beta, const float* mean,
               const float* invstd, float* y) {
  float* sc = reinterpret_cast<float*>(scratch(std::size_t(a.C)));  // 2*C floats
  float* bi = sc + a.C;
  scale_shift(a.C, gamma, beta, invstd, sc, bi);
  normalize_all<Post>(a, x, mean, sc, bi, y);
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

void batchnorm_stats(const BnArgs& a, const float* x, float* mean, float* m2) {
  statistics_then(
      a, x,
      [&](int64_t c, double mu, double var) {
        mean[c] = float(mu);
        m2[c] = float(var * double(a.M));
      },
      [](ThreadSums&, int64_t, int64_t) {});
}

void batchnorm_normalize(const BnArgs& a, const float* x, const float* gamma, const float* beta, const float* mean,
                         const float* invstd, float* y) {
  normalize<Identity>(a, x, gamma, beta, mean, invstd, y);
}

void batchnorm_act_normalize(const BnArgs& a, Act act, const float* x, const float* gamma, const float* beta,
                             const float* mean, const float* invstd, float* z) {
  with_act(act, [&](auto post) { normalize<decltype(post)>(a, x, gamma, beta, mean, invstd, z); });
}

void batchnorm_forward_eval(const BnArgs& a, const float* x, const float* gamma, const float* beta,
                            const float* running_mean, const float* running_var, float* y) {
  float* sc = reinterpret_cast<float*>(scratch(std::size_t(a.C)));  // 2*C floats
  float* bi = sc + a.C;
  for (int64_t c = 0; c < a.C; ++c) {
    sc[c] = (gamma ? gamma[c] : 1.0f) * (1.0f / std::sqrt(running_var[c] + a.eps));
    bi[c] = beta ? beta[c] : 0.0f;
  }
  normalize_all<Identity>(a, x, running_mean, sc, bi, y);
}

namespace {

// gy = gz * Pre::derivative(pre-activation); for Identity gy = gz and beta is not read.
template <class Pre>
void backward(const BnArgs& a, const float* x, const float* gz, const float* gamma, const float* beta,
              const float* mean, const float* invstd, float* gx, float* ggamma, float* gbeta) {
  //   gbeta = sum gy, ggamma = sum gy * xhat, gx from them (input_coefficients).
  const int64_t M = a.M, C = a.C;
  const int T = threads_for(M, C);
  double* part = scratch(std::size_t(T) * 3 * C + 3 * std::size_t(C));
  double* tot = part + std::size_t(T) * 3 * C;  // [sum gy, sum gy * xhat]
  float* sc = reinterpret_cast<float*>(tot + 2 * C);  // the forward's scale and shift
  float* bi = sc + C;
  scale_shift(C, gamma, beta, invstd, sc, bi);
#pragma omp parallel num_threads(T)
  {
    const int t = omp_get_thread_num();
    // The team may be smaller than T (e.g. when called inside another parallel region).
    const int nt = omp_get_num_threads();
    int64_t b, e;
    range_of(M, nt, t, b, e);
    ThreadSums ts(part, t, C);
    grad_sums<Pre>(ts, x, gz, mean, sc, bi, b, e, C);
#pragma omp barrier
#pragma omp for schedule(static)
    for (int64_t c = 0; c < C; ++c) {
      double g1, g2;
      total(part, nt, C, c, g1, g2);
      tot[c] = g1;
      tot[C + c] = g2 * double(invstd[c]);
      if (gbeta) gbeta[c] = float(g1);
      if (ggamma) ggamma[c] = float(tot[C + c]);
    }
    if (gx) {
      float* k = ts.f1;
      float* q = ts.f2;
      float* o = reinterpret_cast<float*>(ts.s1);  // this thread's double scratch is free again
      for (int64_t c = 0; c < C; ++c) input_coefficients(tot[c], tot[C + c], double(M), gamma, invstd, c, k[c], q[c], o[c]);
      input_grad_rows<Pre>(x, gz, mean, sc, bi, k, q, o, b, e, C, gx);
    }
  }
}

// gx with the sums of gy and gy * xhat over `rows` rows given (the synchronised batch norm's).
template <class Pre>
void backward_input(const BnArgs& a, int64_t rows, const float* x, const float* gz, const float* gamma,
                    const float* beta, const float* mean, const float* invstd, const float* ggamma,
                    const float* gbeta, float* gx) {
  const int64_t M = a.M, C = a.C;
  float* f = reinterpret_cast<float*>(scratch(std::size_t(C) * 3));  // 5*C floats (3 doubles = 6 floats each)
  float *sc = f, *bi = f + C, *k = f + 2 * C, *q = f + 3 * C, *o = f + 4 * C;
  scale_shift(C, gamma, beta, invstd, sc, bi);
  for (int64_t c = 0; c < C; ++c) input_coefficients(gbeta[c], ggamma[c], double(rows), gamma, invstd, c, k[c], q[c], o[c]);
#pragma omp parallel num_threads(threads_for(M, C))
  {
    int64_t b, e;
    range_of(M, omp_get_num_threads(), omp_get_thread_num(), b, e);
    input_grad_rows<Pre>(x, gz, mean, sc, bi, k, q, o, b, e, C, gx);
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

void batchnorm_backward_input(const BnArgs& a, int64_t rows, const float* x, const float* gy, const float* gamma,
                              const float* mean, const float* invstd, const float* ggamma, const float* gbeta,
                              float* gx) {
  backward_input<Identity>(a, rows, x, gy, gamma, nullptr, mean, invstd, ggamma, gbeta, gx);
}

void batchnorm_act_backward_input(const BnArgs& a, Act act, int64_t rows, const float* x, const float* gz,
                                  const float* gamma, const float* beta, const float* mean, const float* invstd,
                                  const float* ggamma, const float* gbeta, float* gx) {
  with_act(act, [&](auto pre) {
    backward_input<decltype(pre)>(a, rows, x, gz, gamma, beta, mean, invstd, ggamma, gbeta, gx);
  });
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
