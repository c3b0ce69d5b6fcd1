// Depthwise convolution, NHWC, weights [K, K, C], on the GPU. Own kernels, written for memory
// bandwidth (a depthwise layer does K*K FMAs per loaded element, far below the FLOP/byte balance):
//  * threads run along channels (consecutive threads read consecutive 16-byte channel vectors of
//    one pixel, so a warp reads 512 contiguous bytes), float4 when C % 4 == 0;
//  * forward: each thread computes a strip of R consecutive output pixels of one row; for each
//    kernel row it loads the (R-1)*S + K input columns the strip needs once into registers and the
//    K weights of that row, then does R*K FMAs from registers;
//  * backward data, stride 1: the same kernel on gy with the flipped kernel and padding K-1-p
//    (a stride-1 transposed convolution is a correlation with the flipped kernel);
//  * backward data, stride 2: a gather over the input pixels (each gx element sums the at most
//    ceil(K/2)^2 taps that reach it), no atomics and no zero-fill;
//  * backward weight: pass 1 gives each block a channel range and a slice of the (image, row)
//    pairs; every thread keeps all K*K taps of its channel vector in registers over its rows, the
//    block folds its threads' partials in shared memory and writes one partial [K*K, C] per block
//    row; pass 2 sums the partials in a fixed order (deterministic, no atomics).
// K and the stride are template parameters (K in {3, 5, 7}, stride in {1, 2}); other shapes throw.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "kernels/cuda/check.h"
#include "kernels/cuda/vec.h"
#include "kernels/depthwise.h"

namespace iqnas::cuda {
namespace {

constexpr int kStrip = 4;  // output pixels per thread in the forward kernel

// Geometry of one correlation: input [N, Hin, Win, C] -> output [N, Hout, Wout, C].
struct DwGeom {
  int N, Hin, Win, Hout, Wout, C, pad;
};

// y[n, oh, ow, c] = sum_{kh, kw} x[n, oh*S - pad + kh, ow*S - pad + kw, c] * w'[kh, kw, c]
// with w' = w, or w flipped in both spatial dimensions when FLIP.
template <int K, int S, int V, bool FLIP>
__global__ void __launch_bounds__(256) k_dw_corr(DwGeom g, int strips, const float* __restrict__ x,
                                                 const float* __restrict__ w, float* __restrict__ y,
                                                 long long total) {
  using T = typename VecOf<V>::T;
  constexpr int R = kStrip;
  constexpr int NW = (R - 1) * S + K;  // input columns read by one strip
  const int CV = g.C / V;
  for (long long i = blockIdx.x * 256LL + threadIdx.x; i < total; i += 256LL * gridDim.x) {
    long long t = i;
    const int cv = int(t % CV);
    t /= CV;
    const int strip = int(t % strips);
    t /= strips;
    const int oh = int(t % g.Hout);
    const int n = int(t / g.Hout);
    const int c = cv * V;
    const int ow0 = strip * R;
    const int iw0 = ow0 * S - g.pad;
    T acc[R];
#pragma unroll
    for (int r = 0; r < R; ++r) vzero(acc[r]);
#pragma unroll
    for (int kh = 0; kh < K; ++kh) {
      const int ih = oh * S - g.pad + kh;
      if (ih < 0 || ih >= g.Hin) continue;
      const float* row = x + ((long long)n * g.Hin + ih) * g.Win * g.C + c;
      T wv[K];
#pragma unroll
      for (int kw = 0; kw < K; ++kw) {
        const int tap = FLIP ? (K - 1 - kh) * K + (K - 1 - kw) : kh * K + kw;
        wv[kw] = vload<T>(w + (long long)tap * g.C + c);
      }
      T win[NW];
#pragma unroll
      for (int j = 0; j < NW; ++j) {
        const int iw = iw0 + j;
        if (iw >= 0 && iw < g.Win)
          win[j] = vload<T>(row + (long long)iw * g.C);
        else
          vzero(win[j]);
      }
#pragma unroll
      for (int r = 0; r < R; ++r)
#pragma unroll
        for (int kw = 0; kw < K; ++kw) vfma(acc[r], win[r * S + kw], wv[kw]);
    }
    float* yrow = y + ((long long)n * g.Hout + oh) * g.Wout * g.C + c;
#pragma unroll
    for (int r = 0; r < R; ++r)
      if (ow0 + r < g.Wout) vstore(yrow + (long long)(ow0 + r) * g.C, acc[r]);
  }
}

// Backward data as a gather (any stride): g.Hin/g.Win are the input (gx) sizes, g.Hout/g.Wout
// the output (gy) sizes. gx[n, ih, iw, c] = sum over the taps with ih = oh*S - pad + kh and
// iw = ow*S - pad + kw of gy[n, oh, ow, c] * w[kh, kw, c].
template <int K, int S, int V>
__global__ void __launch_bounds__(256) k_dw_backward_data_gather(DwGeom g, const float* __restrict__ gy,
                                                                 const float* __restrict__ w,
                                                                 float* __restrict__ gx, long long total) {
  using T = typename VecOf<V>::T;
  const int CV = g.C / V;
  for (long long i = blockIdx.x * 256LL + threadIdx.x; i < total; i += 256LL * gridDim.x) {
    long long t = i;
    const int cv = int(t % CV);
    t /= CV;
    const int iw = int(t % g.Win);
    t /= g.Win;
    const int ih = int(t % g.Hin);
    const int n = int(t / g.Hin);
    const int c = cv * V;
    T acc;
    vzero(acc);
#pragma unroll
    for (int kh = 0; kh < K; ++kh) {
      const int th = ih + g.pad - kh;
      if (th < 0 || th % S) continue;
      const int oh = th / S;
      if (oh >= g.Hout) continue;
      const float* gyrow = gy + ((long long)n * g.Hout + oh) * g.Wout * g.C + c;
#pragma unroll
      for (int kw = 0; kw < K; ++kw) {
        const int tw = iw + g.pad - kw;
        if (tw < 0 || tw % S) continue;
        const int ow = tw / S;
        if (ow >= g.Wout) continue;
        vfma(acc, vload<T>(gyrow + (long long)ow * g.C), vload<T>(w + (long long)(kh * K + kw) * g.C + c));
      }
    }
    vstore(gx + (((long long)n * g.Hin + ih) * g.Win + iw) * g.C + c, acc);
  }
}

constexpr int kBwTx = 32, kBwTy = 8;  // backward-weight block: channel vectors x row slices

// Pass 1 of backward weight: partial[blockIdx.y, kh*K + kw, c] = sum over this block's (n, oh)
// rows of x[n, oh*S - pad + kh, ow*S - pad + kw, c] * gy[n, oh, ow, c]. g.Hin/g.Win: x sizes.
template <int K, int S, int V>
__global__ void __launch_bounds__(kBwTx* kBwTy) k_dw_backward_weight_partial(DwGeom g, const float* __restrict__ x,
                                                                            const float* __restrict__ gy,
                                                                            float* __restrict__ partial) {
  using T = typename VecOf<V>::T;
  __shared__ T red[kBwTy][kBwTx];
  const int CV = g.C / V;
  const int cv = blockIdx.x * kBwTx + threadIdx.x;
  const bool active = cv < CV;
  const int c = cv * V;
  T acc[K * K];
#pragma unroll
  for (int k = 0; k < K * K; ++k) vzero(acc[k]);
  const int rows = g.N * g.Hout;
  if (active) {
    for (int r = blockIdx.y * kBwTy + threadIdx.y; r < rows; r += gridDim.y * kBwTy) {
      const int n = r / g.Hout, oh = r % g.Hout;
      const float* gyrow = gy + (long long)r * g.Wout * g.C + c;
      const float* xrow[K];
      bool hval[K];
#pragma unroll
      for (int kh = 0; kh < K; ++kh) {
        const int ih = oh * S - g.pad + kh;
        hval[kh] = ih >= 0 && ih < g.Hin;
        xrow[kh] = x + ((long long)n * g.Hin + (hval[kh] ? ih : 0)) * g.Win * g.C + c;
      }
      for (int ow = 0; ow < g.Wout; ++ow) {
        const T gv = vload<T>(gyrow + (long long)ow * g.C);
        const int iwb = ow * S - g.pad;
#pragma unroll
        for (int kh = 0; kh < K; ++kh) {
          if (!hval[kh]) continue;
#pragma unroll
          for (int kw = 0; kw < K; ++kw) {
            const int iw = iwb + kw;
            if (iw >= 0 && iw < g.Win) vfma(acc[kh * K + kw], vload<T>(xrow[kh] + (long long)iw * g.C), gv);
          }
        }
      }
    }
  }
  // Fold the kBwTy row slices of the block, one tap at a time.
#pragma unroll
  for (int k = 0; k < K * K; ++k) {
    red[threadIdx.y][threadIdx.x] = acc[k];
    __syncthreads();
    if (threadIdx.y == 0 && active) {
      T s = red[0][threadIdx.x];
#pragma unroll
      for (int u = 1; u < kBwTy; ++u) vadd(s, red[u][threadIdx.x]);
      vstore(partial + ((long long)blockIdx.y * K * K + k) * g.C + c, s);
    }
    __syncthreads();
  }
}

// Pass 2: gw[e] = sum_p partial[p, e] for e < KKC, in order p = 0, 1, ...
__global__ void k_sum_partials(const float* __restrict__ partial, int P, long long KKC, float* __restrict__ gw) {
  for (long long e = blockIdx.x * 256LL + threadIdx.x; e < KKC; e += 256LL * gridDim.x) {
    float s = 0.f;
    for (int p = 0; p < P; ++p) s += partial[(long long)p * KKC + e];
    gw[e] = s;
  }
}

[[noreturn]] void unsupported(const DwConvArgs& a) {
  throw std::invalid_argument("cuda depthwise conv: kernel " + std::to_string(a.K) + " stride " +
                              std::to_string(a.stride) + " is not supported (K in {3, 5, 7}, stride 1 or 2)");
}

// Calls f.template run<K, S>() for the supported (K, S) pairs.
template <typename F>
void with_shape(const DwConvArgs& a, F&& f) {
  const int key = a.K * 10 + a.stride;
  switch (key) {
    case 31: f.template run<3, 1>(); break;
    case 32: f.template run<3, 2>(); break;
    case 51: f.template run<5, 1>(); break;
    case 52: f.template run<5, 2>(); break;
    case 71: f.template run<7, 1>(); break;
    case 72: f.template run<7, 2>(); break;
    default: unsupported(a);
  }
}

// Launches the correlation kernel over geometry g.
template <int K, int S, bool FLIP>
void launch_corr(const DwGeom& g, const float* x, const float* w, float* y) {
  const int strips = (g.Wout + kStrip - 1) / kStrip;
  const bool v4 = g.C % 4 == 0 && aligned16(x) && aligned16(w) && aligned16(y);
  const long long total = (long long)g.N * g.Hout * strips * (v4 ? g.C / 4 : g.C);
  if (total <= 0) return;
  if (v4)
    k_dw_corr<K, S, 4, FLIP><<<iqnas_grid(total), 256, 0, stream()>>>(g, strips, x, w, y, total);
  else
    k_dw_corr<K, S, 1, FLIP><<<iqnas_grid(total), 256, 0, stream()>>>(g, strips, x, w, y, total);
  IQNAS_CUDA_LAUNCH_CHECK();
}

struct Forward {
  const DwConvArgs& a;
  const float *x, *w;
  float* y;
  template <int K, int S>
  void run() {
    launch_corr<K, S, false>(DwGeom{a.N, a.H, a.W, a.Ho(), a.Wo(), a.C, a.pad}, x, w, y);
  }
};

struct BackwardData {
  const DwConvArgs& a;
  const float *gy, *w;
  float* gx;
  template <int K, int S>
  void run() {
    if constexpr (S == 1) {
      // Correlation of gy (Ho x Wo) with the flipped kernel and padding K-1-p gives H x W.
      launch_corr<K, 1, true>(DwGeom{a.N, a.Ho(), a.Wo(), a.H, a.W, a.C, K - 1 - a.pad}, gy, w, gx);
    } else {
      const DwGeom g{a.N, a.H, a.W, a.Ho(), a.Wo(), a.C, a.pad};
      const bool v4 = g.C % 4 == 0 && aligned16(gy) && aligned16(w) && aligned16(gx);
      const long long total = (long long)g.N * g.Hin * g.Win * (v4 ? g.C / 4 : g.C);
      if (total <= 0) return;
      if (v4)
        k_dw_backward_data_gather<K, S, 4><<<iqnas_grid(total), 256, 0, stream()>>>(g, gy, w, gx, total);
      else
        k_dw_backward_data_gather<K, S, 1><<<iqnas_grid(total), 256, 0, stream()>>>(g, gy, w, gx, total);
      IQNAS_CUDA_LAUNCH_CHECK();
    }
  }
};

struct BackwardWeight {
  const DwConvArgs& a;
  const float *x, *gy;
  float* gw;
  template <int K, int S>
  void run() {
    const DwGeom g{a.N, a.H, a.W, a.Ho(), a.Wo(), a.C, a.pad};
    const long long KKC = (long long)K * K * a.C;
    const int rows = g.N * g.Hout;
    if (rows <= 0 || g.Wout <= 0) {
      memset_zero(gw, sizeof(float) * size_t(KKC));
      return;
    }
    const bool v4 = g.C % 4 == 0 && aligned16(x) && aligned16(gy);
    const int CV = v4 ? g.C / 4 : g.C;
    const int bx = (CV + kBwTx - 1) / kBwTx;
    // About four blocks per multiprocessor in all, each block row owning at least kBwTy rows.
    const int max_by = (rows + kBwTy - 1) / kBwTy;
    const int by = std::clamp((4 * sm_count() + bx - 1) / bx, 1, max_by);
    Scratch partial(sizeof(float) * size_t(by) * size_t(KKC));  // 16-byte aligned (allocator)
    const dim3 grid{unsigned(bx), unsigned(by)}, block{kBwTx, kBwTy};
    if (v4)
      k_dw_backward_weight_partial<K, S, 4><<<grid, block, 0, stream()>>>(g, x, gy, partial.as<float>());
    else
      k_dw_backward_weight_partial<K, S, 1><<<grid, block, 0, stream()>>>(g, x, gy, partial.as<float>());
    IQNAS_CUDA_LAUNCH_CHECK();
    k_sum_partials<<<iqnas_grid(KKC), 256, 0, stream()>>>(partial.as<float>(), by, KKC, gw);
    IQNAS_CUDA_LAUNCH_CHECK();
  }
};

}  // namespace

void depthwise_forward(const DwConvArgs& a, const float* x, const float* w, float* y) {
  with_shape(a, Forward{a, x, w, y});
}

void depthwise_backward_data(const DwConvArgs& a, const float* gy, const float* w, float* gx) {
  with_shape(a, BackwardData{a, gy, w, gx});
}

void depthwise_backward_weight(const DwConvArgs& a, const float* x, const float* gy, float* gw) {
  with_shape(a, BackwardWeight{a, x, gy, gw});
}

}  // namespace iqnas::cuda
