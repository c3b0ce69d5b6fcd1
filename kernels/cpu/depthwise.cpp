// Depthwise convolution, NHWC, weights [K, K, C]. Hand-written, OpenMP over (image, row) pairs,
// vectorised along channels with AVX-512 (16 floats) or AVX2 (8 floats); the last partial channel
// vector uses masked loads/stores, so every C is handled without a scalar tail.
//
// All three kernels are built from two register-blocked row primitives:
//  * corr_block: out[j] = sum over rows r and taps t < NT of src_r[j*S + off + t] * w_r[t], for a
//    block of R consecutive outputs of one row. Each source column is loaded once per block and
//    fed to every output that uses it (R + NT - 1 loads for R*NT FMAs at stride 1). Blocks that
//    touch the image border test each source column; interior blocks do not.
//    - forward:        NT = K, stride S, taps in weight order;
//    - backward data:  a gather over the input: for input column phase r (iw = S*u + r) only the taps
//      kw = (r + p) mod S + S*i reach it, and they read gy columns u + const - i. That is a stride-1
//      correlation with NT = ceil((K - phase) / S) taps in reverse weight order, whose outputs land
//      every S-th input column. Stride 1 is the same with one phase (the flipped kernel).
//  * bw_block: for a block of R outputs of one row, all K*K weight-gradient taps of a channel
//    vector live in registers; they are added to a per-thread partial sum (in L1) after the block,
//    and the per-thread partials are reduced at the end.
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
  if constexpr (VL > 1) {
    if (c0 < C) f(Part(C - c0), c0);
  }
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

// Rows the next row task will read for the first time. While a row is computed, block by block,
// the same fraction of these rows is prefetched into the cache, so the stream from memory overlaps
// the arithmetic instead of stalling the first block of every row.
constexpr int kAhead = 2;  // prefetch distance in row tasks

struct Prefetch {
  int n = 0;
  const char* p[2];
  ptrdiff_t bytes[2];
  void add(const float* row, ptrdiff_t floats) {
    if (n < 2) p[n] = reinterpret_cast<const char*>(row), bytes[n++] = floats * ptrdiff_t(sizeof(float));
  }
  // Prefetches the part [j0/total, j1/total) of every row.
  void step(int j0, int j1, int total) const {
#if defined(__GNUC__)
    for (int i = 0; i < n; ++i) {
      const ptrdiff_t b = (bytes[i] * j0 / total) & ~ptrdiff_t(63), e = bytes[i] * j1 / total;
      for (ptrdiff_t o = b; o < e; o += 64) __builtin_prefetch(p[i] + o, 0, 3);
    }
#endif
  }
};

// ---- correlation row (forward and backward data) --------------------------------------------
// out[j*ostride] for j in [0, nout) = sum_r sum_{t<NT} src_r[(j*S + off + t) * C] * wb_r[t * wstep]
// where source columns outside [0, Win) are zero. The row is cut into blocks of R outputs (column
// blocks outside, channel vectors inside, so a block's source columns stay in L1 across channels);
// blocks that touch the border check each source column (CHECK), the others do not.

template <int NT, int S, int R, bool CHECK, class IO>
inline void corr_block(const IO& io, const RowSet& rs, int c0, ptrdiff_t wstep, ptrdiff_t C,
                       int col0, int Win, float* out, ptrdiff_t ostride) {
  vf acc[R];
  IQNAS_UNROLL for (int j = 0; j < R; ++j) acc[j] = vzero();
  for (int r = 0; r < rs.n; ++r) {
    const float* xp = rs.src[r] + c0 + ptrdiff_t(col0) * C;
    const float* wp = rs.wb[r] + c0;
    vf wv[NT];
    IQNAS_UNROLL for (int t = 0; t < NT; ++t) wv[t] = io.load(wp + t * wstep);
    IQNAS_UNROLL for (int q = 0; q < (R - 1) * S + NT; ++q) {
      if (CHECK && unsigned(col0 + q) >= unsigned(Win)) continue;
      const vf xv = io.load(xp + q * C);
      IQNAS_UNROLL for (int j = 0; j < R; ++j) {
        const int t = q - j * S;
        if (t >= 0 && t < NT) acc[j] = vfma(xv, wv[t], acc[j]);
      }
    }
  }
  IQNAS_UNROLL for (int j = 0; j < R; ++j) io.store(out + c0 + j * ostride, acc[j]);
}

template <int NT, int S, int R, bool CHECK>
inline void corr_block_all(const RowSet& rs, ptrdiff_t wstep, int C, int col0, int Win, float* out,
                           ptrdiff_t ostride) {
  for_channel_blocks(C, [&](const auto& io, int c0) {
    corr_block<NT, S, R, CHECK>(io, rs, c0, wstep, C, col0, Win, out, ostride);
  });
}

template <int NT, int S, int R>
inline void corr_block_any(bool check, const RowSet& rs, ptrdiff_t wstep, int C, int col0, int Win,
                           float* out, ptrdiff_t ostride) {
  if (check)
    corr_block_all<NT, S, R, true>(rs, wstep, C, col0, Win, out, ostride);
  else
    corr_block_all<NT, S, R, false>(rs, wstep, C, col0, Win, out, ostride);
}

// Runs one output row, with NT and S as compile-time constants.
template <int NT, int S>
void corr_row_all(const RowSet& rs, ptrdiff_t wstep, int C, int Win, int off, float* out,
                  ptrdiff_t ostride, int nout, const Prefetch& pf) {
  // Outputs [jlo, jhi) read only columns inside [0, Win).
  const int jlo = off >= 0 ? 0 : (-off + S - 1) / S;
  const int lim = Win - NT - off;
  const int jhi = lim < 0 ? 0 : lim / S + 1;
  for (int j = 0; j < nout;) {
    const int left = nout - j;
    const int R = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
    const bool check = j < jlo || j + R > jhi;
    const int col0 = j * S + off;
    float* o = out + j * ostride;
    pf.step(j, j + R, nout);
    switch (R) {
      case 8: corr_block_any<NT, S, 8>(check, rs, wstep, C, col0, Win, o, ostride); break;
      case 4: corr_block_any<NT, S, 4>(check, rs, wstep, C, col0, Win, o, ostride); break;
      case 2: corr_block_any<NT, S, 2>(check, rs, wstep, C, col0, Win, o, ostride); break;
      default: corr_block_any<NT, S, 1>(check, rs, wstep, C, col0, Win, o, ostride); break;
    }
    j += R;
  }
}

using CorrFn = void (*)(const RowSet&, ptrdiff_t, int, int, int, float*, ptrdiff_t, int,
                        const Prefetch&);

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
// is null for rows outside the image. Column blocks of R outputs outside, channel vectors inside;
// the K*K tap sums of a (block, channel vector) pair live in registers and are added to `part`
// (a per-thread buffer that stays in L1) at the end of the block.
template <int K, int S, int R, bool CHECK, class IO>
inline void bw_block(const IO& io, const float* const* xrow, const float* gyrow, int c0, ptrdiff_t C,
                     int ow0, int p, int W, float* part) {
  vf acc[K * K];
  IQNAS_UNROLL for (int i = 0; i < K * K; ++i) acc[i] = vzero();
  vf g[R];
  IQNAS_UNROLL for (int j = 0; j < R; ++j) g[j] = io.load(gyrow + c0 + ptrdiff_t(ow0 + j) * C);
  const int col0 = ow0 * S - p;
  IQNAS_UNROLL for (int kh = 0; kh < K; ++kh) {
    if (!xrow[kh]) continue;
    const float* xp = xrow[kh] + c0 + ptrdiff_t(col0) * C;
    IQNAS_UNROLL for (int q = 0; q < (R - 1) * S + K; ++q) {
      if (CHECK && unsigned(col0 + q) >= unsigned(W)) continue;
      const vf xv = io.load(xp + q * C);
      IQNAS_UNROLL for (int j = 0; j < R; ++j) {
        const int kw = q - j * S;
        if (kw >= 0 && kw < K) acc[kh * K + kw] = vfma(xv, g[j], acc[kh * K + kw]);
      }
    }
  }
  IQNAS_UNROLL for (int i = 0; i < K * K; ++i) {
    if (!xrow[i / K]) continue;
    float* dst = part + ptrdiff_t(i) * C + c0;
    io.store(dst, vadd(io.load(dst), acc[i]));
  }
}

template <int K, int S, int R, bool CHECK>
inline void bw_block_all(const float* const* xrow, const float* gyrow, int C, int ow0, int p, int W,
                         float* part) {
  for_channel_blocks(C, [&](const auto& io, int c0) {
    bw_block<K, S, R, CHECK>(io, xrow, gyrow, c0, C, ow0, p, W, part);
  });
}

template <int K, int S, int R>
inline void bw_block_any(bool check, const float* const* xrow, const float* gyrow, int C, int ow0,
                         int p, int W, float* part) {
  if (check)
    bw_block_all<K, S, R, true>(xrow, gyrow, C, ow0, p, W, part);
  else
    bw_block_all<K, S, R, false>(xrow, gyrow, C, ow0, p, W, part);
}

template <int K, int S>
void bw_row_all(const float* const* xrow, const float* gyrow, int C, int W, int p, int Wo,
                float* part, const Prefetch& pf) {
  // Register budget: K*K sums + R gradient vectors (32 vector registers with AVX-512).
  constexpr int RB = K <= 3 ? 8 : K <= 5 ? 4 : 2;
  const int jlo = (p + S - 1) / S;
  const int lim = W - K + p;
  const int jhi = lim < 0 ? 0 : lim / S + 1;
  for (int ow = 0; ow < Wo;) {
    const int left = Wo - ow;
    const int R = left >= RB ? RB : left >= 4 ? 4 : left >= 2 ? 2 : 1;
    const bool check = ow < jlo || ow + R > jhi;
    pf.step(ow, ow + R, Wo);
    if (R == RB)
      bw_block_any<K, S, RB>(check, xrow, gyrow, C, ow, p, W, part);
    else if (R == 4)
      bw_block_any<K, S, 4>(check, xrow, gyrow, C, ow, p, W, part);
    else if (R == 2)
      bw_block_any<K, S, 2>(check, xrow, gyrow, C, ow, p, W, part);
    else
      bw_block_any<K, S, 1>(check, xrow, gyrow, C, ow, p, W, part);
    ow += R;
  }
}

using BwFn = void (*)(const float* const*, const float*, int, int, int, int, float*,
                      const Prefetch&);

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
    Prefetch pf;
    const int on = oh + kAhead;
    if (on < Ho)  // input rows that enter the window of output row oh + kAhead
      for (int ih = std::max((on - 1) * S - a.pad + K, 0); ih <= std::min(on * S - a.pad + K - 1, a.H - 1); ++ih)
        pf.add(x + (ptrdiff_t(n) * a.H + ih) * rowlen, rowlen);
    fn(rs, a.C, a.C, a.W, -a.pad, y + (ptrdiff_t(n) * Ho + oh) * Wo * a.C, a.C, Wo, pf);
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
    Prefetch pf;  // the gy row that input row ih + kAhead reads first
    if (ih + kAhead < a.H) {
      const int oh = (ih + kAhead + p) / S;
      if (oh < Ho && oh * S > ih + kAhead - 1 + p) pf.add(gy + (ptrdiff_t(n) * Ho + oh) * rowlen, rowlen);
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
                     ptrdiff_t(S) * C, nu, r == 0 ? pf : Prefetch{});
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
    // The team may be smaller than T (e.g. when called inside another parallel region).
    const int nt = omp_get_num_threads();
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
        Prefetch pf;  // output row oh + kAhead: its gy row and the last x row entering its window
        const int on = oh + kAhead;
        if (on < Ho) {
          pf.add(gyrow + ptrdiff_t(kAhead) * Wo * C, ptrdiff_t(Wo) * C);
          const int ih = std::min(on * S - a.pad + K - 1, a.H - 1);
          if (ih >= (on - 1) * S - a.pad + K) pf.add(x + (ptrdiff_t(n) * a.H + ih) * a.W * C, ptrdiff_t(a.W) * C);
        }
        fast(xrow, gyrow, C, a.W, a.pad, Wo, part, pf);
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
      for (int u = 0; u < nt; ++u) s += parts[kkc * u + i];
      gw[i] = s;
    }
  }
}

}  // namespace iqnas::cpu
