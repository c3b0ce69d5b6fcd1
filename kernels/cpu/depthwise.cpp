// Depthwise convolution, NHWC, weights [K, K, C]. Hand-written, OpenMP over (image, row) pairs,
// vectorised along channels with AVX-512 (16 floats) or AVX2 (8 floats); the last partial channel
// vector uses masked loads/stores, so every C is handled without a scalar tail.
//
// All three kernels are built from two register-blocked row primitives:
//  * corr_row: out[j] = sum over rows r and taps t < NT of src_r[j*S + off + t] * w_r[t], for a
//    block of R consecutive outputs of one row. Each source column is loaded once per block and
//    fed to every output that uses it (R + NT - 1 loads for R*NT FMAs at stride 1). Outputs whose
//    taps stay inside the row take this path; the few border outputs take a checked one-by-one path.
//    - forward:        NT = K, stride S, taps in weight order;
//    - backward data:  a gather over the input: for input column phase r (iw = S*u + r) only the taps
//      kw = (r + p) mod S + S*i reach it, and they read gy columns u + const - i. That is a stride-1
//      correlation with NT = ceil((K - phase) / S) taps in reverse weight order, whose outputs land
//      every S-th input column. Stride 1 is the same with one phase (the flipped kernel).
//  * bw_row: for one output row, all K*K weight-gradient taps of a channel vector live in registers
//    while the row is swept; per-thread partial sums are flushed once per row and reduced at the end.
// Shapes the fast paths do not cover (K > 7 or stride > 2) use a plain reference-style loop.
#include "kernels/depthwise.h"

#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

#define IQNAS_UNROLL _Pragma("GCC unroll 64")

namespace iqnas::cpu {
namespace {

using std::ptrdiff_t;

// ---- channel vectors ------------------------------------------------------------------------
#if defined(__AVX512F__)
using vf = __m512;
constexpr int VL = 16;
inline vf vzero() { return _mm512_setzero_ps(); }
inline vf vfma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
inline vf vadd(vf a, vf b) { return _mm512_add_ps(a, b); }
struct Full {
  vf load(const float* p) const { return _mm512_loadu_ps(p); }
  void store(float* p, vf v) const { _mm512_storeu_ps(p, v); }
};
struct Part {
  __mmask16 m;
  explicit Part(int n) : m(__mmask16((1u << n) - 1u)) {}
  vf load(const float* p) const { return _mm512_maskz_loadu_ps(m, p); }
  void store(float* p, vf v) const { _mm512_mask_storeu_ps(p, m, v); }
};
#elif defined(__AVX2__) && defined(__FMA__)
using vf = __m256;
constexpr int VL = 8;
inline vf vzero() { return _mm256_setzero_ps(); }
inline vf vfma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
inline vf vadd(vf a, vf b) { return _mm256_add_ps(a, b); }
struct Full {
  vf load(const float* p) const { return _mm256_loadu_ps(p); }
  void store(float* p, vf v) const { _mm256_storeu_ps(p, v); }
};
struct Part {
  __m256i m;
  explicit Part(int n)
      : m(_mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))) {}
  vf load(const float* p) const { return _mm256_maskload_ps(p, m); }
  void store(float* p, vf v) const { _mm256_maskstore_ps(p, m, v); }
};
#else
using vf = float;
constexpr int VL = 1;
inline vf vzero() { return 0.0f; }
inline vf vfma(vf a, vf b, vf c) { return a * b + c; }
inline vf vadd(vf a, vf b) { return a + b; }
struct Full {
  vf load(const float* p) const { return *p; }
  void store(float* p, vf v) const { *p = v; }
};
using Part = Full;  // never used: VL == 1 has no partial vectors
#endif

// Calls f(io, c0) for each channel vector [c0, c0 + VL) (the last one masked).
template <class F>
inline void for_channel_blocks(int C, F&& f) {
  int c0 = 0;
  for (; c0 + VL <= C; c0 += VL) f(Full{}, c0);
  if (VL > 1 && c0 < C) f(Part(C - c0), c0);
}

constexpr int kMaxK = 7;

// Multiply-adds below which a kernel runs on the calling thread (fork/join would cost more).
constexpr long kParallelMin = 1L << 16;
inline bool worth_threads(const DwConvArgs& a, int rows, int cols) {
  return long(rows) * cols * a.C * a.K * a.K > kParallelMin;
}

// Source rows of one output row and the weight pointer of their first tap.
struct RowSet {
  int n = 0;
  const float* src[kMaxK];
  const float* wb[kMaxK];
};

// ---- correlation row (forward and backward data) --------------------------------------------
// out[j*ostride] for j in [0, nout) = sum_r sum_{t<NT} src_r[(j*S + off + t) * C] * wb_r[t * wstep]
// where source columns outside [0, Win) are zero. All pointers are already offset by c0.

template <int NT, int S, int R, class IO>
inline void corr_block(const IO& io, const RowSet& rs, int c0, ptrdiff_t wstep, ptrdiff_t C,
                       int col0, float* out, ptrdiff_t ostride) {
  vf acc[R];
  IQNAS_UNROLL for (int j = 0; j < R; ++j) acc[j] = vzero();
  for (int r = 0; r < rs.n; ++r) {
    const float* xp = rs.src[r] + c0 + ptrdiff_t(col0) * C;
    const float* wp = rs.wb[r] + c0;
    vf wv[NT];
    IQNAS_UNROLL for (int t = 0; t < NT; ++t) wv[t] = io.load(wp + t * wstep);
    IQNAS_UNROLL for (int q = 0; q < (R - 1) * S + NT; ++q) {
      const vf xv = io.load(xp + q * C);
      IQNAS_UNROLL for (int j = 0; j < R; ++j) {
        const int t = q - j * S;
        if (t >= 0 && t < NT) acc[j] = vfma(xv, wv[t], acc[j]);
      }
    }
  }
  IQNAS_UNROLL for (int j = 0; j < R; ++j) io.store(out + c0 + j * ostride, acc[j]);
}

template <class IO>
inline void corr_one_checked(const IO& io, const RowSet& rs, int c0, int NT, ptrdiff_t wstep,
                             ptrdiff_t C, int col0, int Win, float* out) {
  vf acc = vzero();
  const int tlo = std::max(0, -col0), thi = std::min(NT, Win - col0);
  for (int r = 0; r < rs.n; ++r) {
    const float* xp = rs.src[r] + c0 + ptrdiff_t(col0) * C;
    const float* wp = rs.wb[r] + c0;
    for (int t = tlo; t < thi; ++t) acc = vfma(io.load(xp + t * C), io.load(wp + t * wstep), acc);
  }
  io.store(out + c0, acc);
}

template <int NT, int S, class IO>
void corr_row(const IO& io, const RowSet& rs, int c0, ptrdiff_t wstep, ptrdiff_t C, int Win, int off,
              float* out, ptrdiff_t ostride, int nout) {
  constexpr int R = 8;
  int jlo = off >= 0 ? 0 : (-off + S - 1) / S;
  const int lim = Win - NT - off;
  int jhi = lim < 0 ? 0 : lim / S + 1;
  jlo = std::min(jlo, nout);
  jhi = std::clamp(jhi, jlo, nout);
  for (int j = 0; j < jlo; ++j)
    corr_one_checked(io, rs, c0, NT, wstep, C, j * S + off, Win, out + j * ostride);
  int j = jlo;
  for (; j + R <= jhi; j += R)
    corr_block<NT, S, R>(io, rs, c0, wstep, C, j * S + off, out + j * ostride, ostride);
  if (j + 4 <= jhi) {
    corr_block<NT, S, 4>(io, rs, c0, wstep, C, j * S + off, out + j * ostride, ostride);
    j += 4;
  }
  for (; j < jhi; ++j)
    corr_block<NT, S, 1>(io, rs, c0, wstep, C, j * S + off, out + j * ostride, ostride);
  for (j = jhi; j < nout; ++j)
    corr_one_checked(io, rs, c0, NT, wstep, C, j * S + off, Win, out + j * ostride);
}

// Runs corr_row over all channel vectors, with NT and S as compile-time constants.
template <int NT, int S>
void corr_row_all(const RowSet& rs, ptrdiff_t wstep, int C, int Win, int off, float* out,
                  ptrdiff_t ostride, int nout) {
  for_channel_blocks(C, [&](const auto& io, int c0) {
    corr_row<NT, S>(io, rs, c0, wstep, C, Win, off, out, ostride, nout);
  });
}

using CorrFn = void (*)(const RowSet&, ptrdiff_t, int, int, int, float*, ptrdiff_t, int);

CorrFn corr_fn(int NT, int S) {
  if (S == 1) {
    switch (NT) {
      case 1: return corr_row_all<1, 1>;
      case 2: return corr_row_all<2, 1>;
      case 3: return corr_row_all<3, 1>;
      case 4: return corr_row_all<4, 1>;
      case 5: return corr_row_all<5, 1>;
      case 6: return corr_row_all<6, 1>;
      case 7: return corr_row_all<7, 1>;
    }
  } else if (S == 2) {
    switch (NT) {
      case 3: return corr_row_all<3, 2>;
      case 5: return corr_row_all<5, 2>;
      case 7: return corr_row_all<7, 2>;
    }
  }
  return nullptr;
}

// ---- backward weight row ----------------------------------------------------------------------
// part[(kh*K + kw)*C + c] += sum_ow x_kh[ow*S - p + kw, c] * gy[ow, c] for one output row; xrow[kh]
// is null for rows outside the image.
template <int K, int S, int R, class IO>
inline void bw_block(const IO& io, const float* const* xrow, const float* gyrow, int c0, ptrdiff_t C,
                     int ow0, int p, vf* acc) {
  vf g[R];
  IQNAS_UNROLL for (int j = 0; j < R; ++j) g[j] = io.load(gyrow + c0 + ptrdiff_t(ow0 + j) * C);
  IQNAS_UNROLL for (int kh = 0; kh < K; ++kh) {
    if (!xrow[kh]) continue;
    const float* xp = xrow[kh] + c0 + ptrdiff_t(ow0 * S - p) * C;
    IQNAS_UNROLL for (int q = 0; q < (R - 1) * S + K; ++q) {
      const vf xv = io.load(xp + q * C);
      IQNAS_UNROLL for (int j = 0; j < R; ++j) {
        const int kw = q - j * S;
        if (kw >= 0 && kw < K) acc[kh * K + kw] = vfma(xv, g[j], acc[kh * K + kw]);
      }
    }
  }
}

template <int K, int S, class IO>
void bw_row(const IO& io, const float* const* xrow, const float* gyrow, int c0, ptrdiff_t C, int W,
            int p, int Wo, float* part) {
  constexpr int R = K <= 3 ? 8 : K <= 5 ? 4 : 2;
  vf acc[K * K];
  IQNAS_UNROLL for (int i = 0; i < K * K; ++i) acc[i] = vzero();
  // Interior outputs: all K columns inside [0, W).
  int jlo = std::min(Wo, (p + S - 1) / S);
  const int lim = W - K + p;
  int jhi = std::clamp(lim < 0 ? 0 : lim / S + 1, jlo, Wo);
  auto checked = [&](int ow) {
    const vf g = io.load(gyrow + c0 + ptrdiff_t(ow) * C);
    IQNAS_UNROLL for (int kh = 0; kh < K; ++kh) {
      if (!xrow[kh]) continue;
      IQNAS_UNROLL for (int kw = 0; kw < K; ++kw) {
        const int iw = ow * S - p + kw;
        if (iw >= 0 && iw < W)
          acc[kh * K + kw] = vfma(io.load(xrow[kh] + c0 + ptrdiff_t(iw) * C), g, acc[kh * K + kw]);
      }
    }
  };
  for (int ow = 0; ow < jlo; ++ow) checked(ow);
  int ow = jlo;
  for (; ow + R <= jhi; ow += R) bw_block<K, S, R>(io, xrow, gyrow, c0, C, ow, p, acc);
  for (; ow < jhi; ++ow) bw_block<K, S, 1>(io, xrow, gyrow, c0, C, ow, p, acc);
  for (ow = jhi; ow < Wo; ++ow) checked(ow);
  IQNAS_UNROLL for (int i = 0; i < K * K; ++i) {
    float* dst = part + ptrdiff_t(i) * C + c0;
    io.store(dst, vadd(io.load(dst), acc[i]));
  }
}

template <int K, int S>
void bw_row_all(const float* const* xrow, const float* gyrow, int C, int W, int p, int Wo,
                float* part) {
  for_channel_blocks(
      C, [&](const auto& io, int c0) { bw_row<K, S>(io, xrow, gyrow, c0, C, W, p, Wo, part); });
}

using BwFn = void (*)(const float* const*, const float*, int, int, int, int, float*);

BwFn bw_fn(int K, int S) {
  if (S == 1) {
    if (K == 3) return bw_row_all<3, 1>;
    if (K == 5) return bw_row_all<5, 1>;
    if (K == 7) return bw_row_all<7, 1>;
  } else if (S == 2) {
    if (K == 3) return bw_row_all<3, 2>;
    if (K == 5) return bw_row_all<5, 2>;
    if (K == 7) return bw_row_all<7, 2>;
  }
  return nullptr;
}

// ---- plain fallbacks (any K, any stride) ------------------------------------------------------
void forward_plain(const DwConvArgs& a, const float* x, const float* w, float* y) {
  const int Ho = a.Ho(), Wo = a.Wo(), C = a.C, K = a.K;
#pragma omp parallel for schedule(static) if (worth_threads(a, a.N * Ho, Wo))
  for (int row = 0; row < a.N * Ho; ++row) {
    const int n = row / Ho, oh = row % Ho;
    for (int ow = 0; ow < Wo; ++ow) {
      float* yp = y + ((ptrdiff_t(n) * Ho + oh) * Wo + ow) * C;
      std::fill(yp, yp + C, 0.0f);
      for (int kh = 0; kh < K; ++kh) {
        const int ih = oh * a.stride - a.pad + kh;
        if (ih < 0 || ih >= a.H) continue;
        for (int kw = 0; kw < K; ++kw) {
          const int iw = ow * a.stride - a.pad + kw;
          if (iw < 0 || iw >= a.W) continue;
          const float* xp = x + ((ptrdiff_t(n) * a.H + ih) * a.W + iw) * C;
          const float* wp = w + ptrdiff_t(kh * K + kw) * C;
          for (int c = 0; c < C; ++c) yp[c] += xp[c] * wp[c];
        }
      }
    }
  }
}

void backward_data_plain(const DwConvArgs& a, const float* gy, const float* w, float* gx) {
  const int Ho = a.Ho(), Wo = a.Wo(), C = a.C, K = a.K, s = a.stride;
#pragma omp parallel for schedule(static) if (worth_threads(a, a.N * a.H, a.W))
  for (int row = 0; row < a.N * a.H; ++row) {
    const int n = row / a.H, ih = row % a.H;
    for (int iw = 0; iw < a.W; ++iw) {
      float* gp = gx + ((ptrdiff_t(n) * a.H + ih) * a.W + iw) * C;
      std::fill(gp, gp + C, 0.0f);
      for (int kh = 0; kh < K; ++kh) {
        const int th = ih + a.pad - kh;
        if (th < 0 || th % s || th / s >= Ho) continue;
        for (int kw = 0; kw < K; ++kw) {
          const int tw = iw + a.pad - kw;
          if (tw < 0 || tw % s || tw / s >= Wo) continue;
          const float* g = gy + ((ptrdiff_t(n) * Ho + th / s) * Wo + tw / s) * C;
          const float* wp = w + ptrdiff_t(kh * K + kw) * C;
          for (int c = 0; c < C; ++c) gp[c] += g[c] * wp[c];
        }
      }
    }
  }
}

// Per-thread partial buffers for the weight gradient, owned by the calling thread.
float* partial_buffers(std::size_t n) {
  thread_local std::vector<float> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

}  // namespace

void depthwise_forward(const DwConvArgs& a, const float* x, const float* w, float* y) {
  const int Ho = a.Ho(), Wo = a.Wo(), K = a.K, S = a.stride;
  const CorrFn fn = K <= kMaxK ? corr_fn(K, S) : nullptr;
  if (!fn) return forward_plain(a, x, w, y);
  const ptrdiff_t rowlen = ptrdiff_t(a.W) * a.C;
#pragma omp parallel for schedule(static) if (worth_threads(a, a.N * Ho, Wo))
  for (int row = 0; row < a.N * Ho; ++row) {
    const int n = row / Ho, oh = row % Ho;
    RowSet rs;
    for (int kh = 0; kh < K; ++kh) {
      const int ih = oh * S - a.pad + kh;
      if (ih < 0 || ih >= a.H) continue;
      rs.src[rs.n] = x + (ptrdiff_t(n) * a.H + ih) * rowlen;
      rs.wb[rs.n] = w + ptrdiff_t(kh) * K * a.C;
      ++rs.n;
    }
    fn(rs, a.C, a.C, a.W, -a.pad, y + (ptrdiff_t(n) * Ho + oh) * Wo * a.C, a.C, Wo);
  }
}

void depthwise_backward_data(const DwConvArgs& a, const float* gy, const float* w, float* gx) {
  const int Ho = a.Ho(), Wo = a.Wo(), K = a.K, S = a.stride, p = a.pad, C = a.C;
  if (K > kMaxK || S > 2 || S < 1) return backward_data_plain(a, gy, w, gx);
  const ptrdiff_t rowlen = ptrdiff_t(Wo) * C;
#pragma omp parallel for schedule(static) if (worth_threads(a, a.N * a.H, a.W))
  for (int row = 0; row < a.N * a.H; ++row) {
    const int n = row / a.H, ih = row % a.H;
    float* gxrow = gx + (ptrdiff_t(n) * a.H + ih) * a.W * C;
    // Rows of gy that reach input row ih: oh = (ih + p - kh) / S when divisible and in range.
    int khs[kMaxK], nk = 0;
    const float* srcs[kMaxK];
    for (int kh = 0; kh < K; ++kh) {
      const int th = ih + p - kh;
      if (th < 0 || th % S || th / S >= Ho) continue;
      khs[nk] = kh;
      srcs[nk] = gy + (ptrdiff_t(n) * Ho + th / S) * rowlen;
      ++nk;
    }
    for (int r = 0; r < S; ++r) {  // input columns iw = S*u + r
      const int nu = (a.W - r + S - 1) / S;
      if (nu <= 0) continue;
      if (nk == 0) {
        for (int u = 0; u < nu; ++u) std::memset(gxrow + ptrdiff_t(S * u + r) * C, 0, sizeof(float) * C);
        continue;
      }
      const int ph = (r + p) % S, base = (r + p - ph) / S, NT = (K - ph + S - 1) / S;
      RowSet rs;
      rs.n = nk;
      for (int i = 0; i < nk; ++i) {
        rs.src[i] = srcs[i];
        rs.wb[i] = w + (ptrdiff_t(khs[i]) * K + ph + S * (NT - 1)) * C;
      }
      corr_fn(NT, 1)(rs, -ptrdiff_t(S) * C, C, Wo, base - NT + 1, gxrow + ptrdiff_t(r) * C,
                     ptrdiff_t(S) * C, nu);
    }
  }
}

void depthwise_backward_weight(const DwConvArgs& a, const float* x, const float* gy, float* gw) {
  const int Ho = a.Ho(), Wo = a.Wo(), K = a.K, S = a.stride, C = a.C;
  const std::size_t kkc = std::size_t(K) * K * C;
  const BwFn fast = K <= kMaxK ? bw_fn(K, S) : nullptr;
  const int rows = a.N * Ho;
  const int T = worth_threads(a, rows, Wo) ? std::max(1, std::min(omp_get_max_threads(), rows)) : 1;
  float* parts = partial_buffers(kkc * T);
#pragma omp parallel num_threads(T)
  {
    const int t = omp_get_thread_num();
    float* part = parts + kkc * t;
    std::fill(part, part + kkc, 0.0f);
#pragma omp for schedule(static)
    for (int row = 0; row < rows; ++row) {
      const int n = row / Ho, oh = row % Ho;
      const float* gyrow = gy + (ptrdiff_t(n) * Ho + oh) * Wo * C;
      if (fast) {
        const float* xrow[kMaxK];
        for (int kh = 0; kh < K; ++kh) {
          const int ih = oh * S - a.pad + kh;
          xrow[kh] = (ih < 0 || ih >= a.H) ? nullptr : x + (ptrdiff_t(n) * a.H + ih) * a.W * C;
        }
        fast(xrow, gyrow, C, a.W, a.pad, Wo, part);
      } else {
        for (int kh = 0; kh < K; ++kh) {
          const int ih = oh * S - a.pad + kh;
          if (ih < 0 || ih >= a.H) continue;
          for (int kw = 0; kw < K; ++kw) {
            float* dst = part + ptrdiff_t(kh * K + kw) * C;
            for (int ow = 0; ow < Wo; ++ow) {
              const int iw = ow * S - a.pad + kw;
              if (iw < 0 || iw >= a.W) continue;
              const float* xp = x + ((ptrdiff_t(n) * a.H + ih) * a.W + iw) * C;
              const float* g = gyrow + ptrdiff_t(ow) * C;
              for (int c = 0; c < C; ++c) dst[c] += xp[c] * g[c];
            }
          }
        }
      }
    }
    // Implicit barrier above; reduce the partial sums into gw (overwritten).
#pragma omp for schedule(static)
    for (std::ptrdiff_t i = 0; i < std::ptrdiff_t(kkc); ++i) {
      float s = 0.0f;
      for (int u = 0; u < T; ++u) s += parts[kkc * u + i];
      gw[i] = s;
    }
  }
}

}  // namespace iqnas::cpu
