// Row-major GEMM. Two paths:
//  * Eigen (general): the stored matrices are mapped with their row strides; a transposed operand
//    is a transposed *view* of the map (a column-major matrix to Eigen), so nothing is copied, and
//    Eigen's own OpenMP parallelisation is used.
//  * "tall" products, op(A) = A untransposed with many rows and a small op(B): the NHWC pointwise
//    convolution forward (x * W^T) and backward-data (gy * W). Here Eigen spends much of its time
//    zeroing C before accumulating and re-packing A, which is only streamed once. Instead op(B) is
//    packed once into 32-column panels, and a register-blocked 6x32 micro-kernel streams the rows
//    of A (broadcast) against each panel, writing every C element exactly once. OpenMP over row
//    blocks.
//  * long reductions, C = A^T * B with a small C: the pointwise backward-weight (gy^T * x). Same
//    micro-kernel, B read in place, per-thread partial sums over ranges of the reduction.
#include "kernels/gemm.h"

#include <omp.h>

#include <algorithm>
#include <vector>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

// GCC 12 reports a false -Wmaybe-uninitialized inside the AVX-512 intrinsics that Eigen's packing
// routines inline (_mm512_undefined_ps); the warning is raised where they are instantiated: here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <Eigen/Core>

namespace iqnas::cpu {
namespace {

using Stride = Eigen::OuterStride<>;
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMat, Eigen::Unaligned, Stride>;
using MutMap = Eigen::Map<RowMat, Eigen::Unaligned, Stride>;

template <class OpA, class OpB>
void run(const OpA& a, const OpB& b, float alpha, float beta, MutMap& c) {
  if (beta == 0.0f) {
    // C may hold garbage (even NaN): assign, never read it.
    c.noalias() = alpha * (a * b);
  } else {
    if (beta != 1.0f) c *= beta;
    c.noalias() += alpha * (a * b);
  }
}

// ---- tall-product micro-kernel ---------------------------------------------------------------
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#define IQNAS_TALL_GEMM 1
#if defined(__AVX512F__)
using vf = __m512;
constexpr int VL = 16;
inline vf vzero() { return _mm512_setzero_ps(); }
inline vf vset1(float x) { return _mm512_set1_ps(x); }
inline vf vload(const float* p) { return _mm512_loadu_ps(p); }
inline vf vfma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
inline vf vmul(vf a, vf b) { return _mm512_mul_ps(a, b); }
// Stores/loads the first n (0..VL) lanes.
inline void vstore_n(float* p, vf v, int n) {
  if (n >= VL)
    _mm512_storeu_ps(p, v);
  else if (n > 0)
    _mm512_mask_storeu_ps(p, __mmask16((1u << n) - 1u), v);
}
inline vf vload_n(const float* p, int n) {
  if (n >= VL) return _mm512_loadu_ps(p);
  return n > 0 ? _mm512_maskz_loadu_ps(__mmask16((1u << n) - 1u), p) : vzero();
}
#else
using vf = __m256;
constexpr int VL = 8;
inline vf vzero() { return _mm256_setzero_ps(); }
inline vf vset1(float x) { return _mm256_set1_ps(x); }
inline vf vload(const float* p) { return _mm256_loadu_ps(p); }
inline vf vfma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
inline vf vmul(vf a, vf b) { return _mm256_mul_ps(a, b); }
inline __m256i lanes(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline void vstore_n(float* p, vf v, int n) {
  if (n >= VL)
    _mm256_storeu_ps(p, v);
  else if (n > 0)
    _mm256_maskstore_ps(p, lanes(n), v);
}
inline vf vload_n(const float* p, int n) {
  if (n >= VL) return _mm256_loadu_ps(p);
  return n > 0 ? _mm256_maskload_ps(p, lanes(n)) : vzero();
}
#endif

constexpr int NR = 2 * VL;  // panel width (columns of C per micro-tile)
constexpr int MR = 6;       // rows of C per micro-tile

// C[0:R, 0:nc] = alpha * A[0:R, 0:K] * P[0:K, 0:nc] + beta * C (beta == 0: C is not read), where
// A[r, k] = A[r*ars + k*aks] and P[k, j] = P[k*pks + j], j < NV*VL. FULL: all NV*VL columns of P
// are readable.
template <int R, int NV, bool FULL>
inline void micro(int64_t K, const float* A, int64_t ars, int64_t aks, const float* P, int64_t pks,
                  float alpha, float beta, float* C, int64_t ldc, int nc) {
  vf c[R][NV];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) c[r][v] = vzero();
  for (int64_t k = 0; k < K; ++k) {
    const float* pk = P + k * pks;
    vf b[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) b[v] = FULL ? vload(pk + v * VL) : vload_n(pk + v * VL, nc - v * VL);
    const float* ak = A + k * aks;
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const vf a = vset1(ak[r * ars]);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) c[r][v] = vfma(a, b[v], c[r][v]);
    }
  }
  const vf va = vset1(alpha), vb = vset1(beta);
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    float* cr = C + r * ldc;
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      vf x = alpha == 1.0f ? c[r][v] : vmul(c[r][v], va);
      if (beta != 0.0f) x = vfma(vload_n(cr + v * VL, nc - v * VL), vb, x);
      vstore_n(cr + v * VL, x, nc - v * VL);
    }
  }
}

// Rows per micro-tile for NV vectors of columns (accumulators stay in registers).
template <int NV>
constexpr int rows_for() { return NV == 2 ? MR : 12; }

// Dispatches on the number of rows (1..rows_for<NV>()) and on whether the panel is complete.
template <int NV>
inline void micro_any(int rows, bool full, int64_t K, const float* A, int64_t ars, int64_t aks,
                      const float* P, int64_t pks, float alpha, float beta, float* C, int64_t ldc,
                      int nc) {
#define IQNAS_MICRO(R)                                                        \
  case R:                                                                    \
    if (full)                                                                \
      micro<R, NV, true>(K, A, ars, aks, P, pks, alpha, beta, C, ldc, nc);   \
    else                                                                     \
      micro<R, NV, false>(K, A, ars, aks, P, pks, alpha, beta, C, ldc, nc);  \
    return;
  if constexpr (NV == 1) {
    switch (rows) {
      IQNAS_MICRO(12)
      IQNAS_MICRO(11)
      IQNAS_MICRO(10)
      IQNAS_MICRO(9)
      IQNAS_MICRO(8)
      IQNAS_MICRO(7)
      default: break;
    }
  }
  switch (rows) {
    IQNAS_MICRO(6)
    IQNAS_MICRO(5)
    IQNAS_MICRO(4)
    IQNAS_MICRO(3)
    IQNAS_MICRO(2)
    default: IQNAS_MICRO(1)
  }
#undef IQNAS_MICRO
}

// Packed op(B): panel p holds columns [p*NR, p*NR + NR) as K rows of NR floats, zero-padded.
float* packed_buffer(std::size_t n) {
  thread_local std::vector<float> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

template <int NV>
void gemm_tall(bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
               int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  constexpr int W = NV * VL, RB = rows_for<NV>();
  const int64_t panels = (N + W - 1) / W;
  float* P = packed_buffer(std::size_t(panels * K * W));
  const bool par = M * N * K > (int64_t(1) << 18);
#pragma omp parallel if (par)
  {
#pragma omp for schedule(static)
    for (int64_t pk = 0; pk < panels * K; ++pk) {
      const int64_t p = pk / K, k = pk % K;
      float* dst = P + pk * W;
      for (int j = 0; j < W; ++j) {
        const int64_t n = p * W + j;
        dst[j] = n >= N ? 0.0f : trans_b ? B[n * ldb + k] : B[k * ldb + n];
      }
    }
    const int64_t blocks = (M + RB - 1) / RB;
#pragma omp for schedule(static)
    for (int64_t blk = 0; blk < blocks; ++blk) {
      const int64_t i = blk * RB;
      const int rows = int(std::min<int64_t>(RB, M - i));
      const float* a = A + i * lda;
      // Prefetch the rows of A two blocks ahead: they are streamed once, from memory.
      const int64_t ia = i + 2 * RB;
      for (int64_t r = ia; r < std::min(M, ia + RB); ++r)
        for (int64_t k = 0; k < K; k += 16) __builtin_prefetch(A + r * lda + k, 0, 3);
      for (int64_t p = 0; p < panels; ++p) {
        const int nc = int(std::min<int64_t>(W, N - p * W));
        if (NV == 2 && nc <= VL)  // a narrow last panel: only its first vector of columns
          micro_any<1>(rows, true, K, a, lda, 1, P + p * K * W, W, alpha, beta, C + i * ldc + p * W,
                       ldc, nc);
        else
          micro_any<NV>(rows, true, K, a, lda, 1, P + p * K * W, W, alpha, beta, C + i * ldc + p * W,
                        ldc, nc);
      }
    }
  }
}

// C[M,N] = alpha * A^T * B + beta * C with A stored [K,M], B stored [K,N] and a long reduction K
// (the pointwise backward-weight gy^T * x over all pixels). Each thread reduces a contiguous range
// of K into its own [M,N] partial sum, in blocks of kb rows of A and B that stay in L2, reading B
// in place (no packing); the partials are summed at the end.
template <int NV>
void gemm_tn_long(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                  const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  constexpr int W = NV * VL, RB = rows_for<NV>();
  const int T = M * N * K > (int64_t(1) << 18) ? std::max(1, omp_get_max_threads()) : 1;
  const std::size_t mn = std::size_t(M * N);
  float* part = packed_buffer(mn * T);
  const int64_t kb = std::clamp<int64_t>(65536 / (M + N), 16, 1024);
  const int64_t panels = (N + W - 1) / W;
#pragma omp parallel num_threads(T)
  {
    const int t = omp_get_thread_num();
    // The team may be smaller than T (e.g. when called inside another parallel region).
    const int nt = omp_get_num_threads();
    float* mine = part + mn * t;
    std::fill(mine, mine + mn, 0.0f);
    const int64_t k_begin = K * t / nt, k_end = K * (t + 1) / nt;
    const int64_t tiles = ((M + RB - 1) / RB) * panels;
    for (int64_t k0 = k_begin; k0 < k_end; k0 += kb) {
      const int64_t kc = std::min(kb, k_end - k0);
      // While this block is computed, tile by tile, prefetch the rows of the next one.
      const int64_t kn = k0 + kb, kn_count = std::max<int64_t>(0, std::min(kb, k_end - kn));
      int64_t tile = 0;
      for (int64_t i = 0; i < M; i += RB) {
        const int rows = int(std::min<int64_t>(RB, M - i));
        for (int64_t p = 0; p < panels; ++p, ++tile) {
          for (int64_t k = kn + kn_count * tile / tiles; k < kn + kn_count * (tile + 1) / tiles; ++k) {
            for (int64_t j = 0; j < M; j += 16) __builtin_prefetch(A + k * lda + j, 0, 3);
            for (int64_t j = 0; j < N; j += 16) __builtin_prefetch(B + k * ldb + j, 0, 3);
          }
          const int nc = int(std::min<int64_t>(W, N - p * W));
          const float* a = A + k0 * lda + i;
          const float* b = B + k0 * ldb + p * W;
          float* c = mine + i * N + p * W;
          if (NV == 2 && nc <= VL)  // a narrow last panel: one vector of columns
            micro_any<1>(rows, nc == VL, kc, a, 1, lda, b, ldb, 1.0f, 1.0f, c, N, nc);
          else
            micro_any<NV>(rows, nc == W, kc, a, 1, lda, b, ldb, 1.0f, 1.0f, c, N, nc);
        }
      }
    }
#pragma omp barrier
#pragma omp for schedule(static)
    for (int64_t i = 0; i < M; ++i) {
      float* c = C + i * ldc;
      for (int64_t j = 0; j < N; ++j) {
        float sum = 0.0f;
        for (int u = 0; u < nt; ++u) sum += part[mn * u + i * N + j];
        c[j] = alpha * sum + (beta == 0.0f ? 0.0f : beta * c[j]);
      }
    }
  }
}
#endif

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  MutMap c(C, M, N, Stride(ldc));
  if (K <= 0 || alpha == 0.0f) {
    if (beta == 0.0f)
      c.setZero();
    else if (beta != 1.0f)
      c *= beta;
    return;
  }
#ifdef IQNAS_TALL_GEMM
  // Many rows against a small op(B) (packing op(B) costs K*N, negligible next to M*K*N).
  if (!trans_a && M >= 4 * MR && K * N <= (int64_t(1) << 22)) {
    if (N <= VL)  // one vector of columns: taller micro-tiles instead of a half-empty panel
      gemm_tall<1>(trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    else
      gemm_tall<2>(trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  // A long reduction into a small C (per-thread partials of M*N floats).
  if (trans_a && !trans_b && K >= 64 * MR && M * N <= (int64_t(1) << 20)) {
    if (N <= VL)
      gemm_tn_long<1>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    else
      gemm_tn_long<2>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
#endif
  // Stored shapes: A is [M,K] (or [K,M] when transposed), B is [K,N] (or [N,K]).
  if (!trans_a && !trans_b) {
    ConstMap a(A, M, K, Stride(lda)), b(B, K, N, Stride(ldb));
    run(a, b, alpha, beta, c);
  } else if (!trans_a && trans_b) {
    ConstMap a(A, M, K, Stride(lda)), b(B, N, K, Stride(ldb));
    run(a, b.transpose(), alpha, beta, c);
  } else if (trans_a && !trans_b) {
    ConstMap a(A, K, M, Stride(lda)), b(B, K, N, Stride(ldb));
    run(a.transpose(), b, alpha, beta, c);
  } else {
    ConstMap a(A, K, M, Stride(lda)), b(B, N, K, Stride(ldb));
    run(a.transpose(), b.transpose(), alpha, beta, c);
  }
}

}  // namespace iqnas::cpu
