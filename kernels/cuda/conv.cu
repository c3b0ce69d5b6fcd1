// General NHWC convolution on the GPU: im2col / col2im kernels + cuBLAS, the same algorithm and
// chunking as kernels/cpu/conv.cpp (see there for the column layout). The workspace has
// conv2d_workspace(a) floats, i.e. room for the column matrix of `chunk` images; the chunk is
// recovered from that size so that both twins always agree with the allocation the caller made.
// It serves the stem and the rare grouped convolutions; pointwise convolutions take the plain GEMM
// path (no column matrix).
#include <algorithm>

#include "kernels/conv.h"
#include "kernels/cuda/check.h"
#include "kernels/gemm.h"

namespace iqnas::cuda {
namespace {

bool is_plain_pointwise(const ConvArgs& a) { return a.KH == 1 && a.KW == 1 && a.stride == 1 && a.pad == 0; }

long long col_per_image(const ConvArgs& a) {
  return (long long)a.Ho() * a.Wo() * a.KH * a.KW * (a.Cin / a.groups);
}

int images_per_chunk(const ConvArgs& a) {
  const long long per = std::max(col_per_image(a), 1LL);
  const long long c = (long long)conv2d_workspace(a) / per;
  return int(std::clamp<long long>(c, 1, std::max(a.N, 1)));
}

// col[(n, oh, ow), (kh, kw, ci)] = x[n0 + n, oh*s - p + kh, ow*s - p + kw, g*Cg + ci] or 0.
__global__ void k_im2col(ConvArgs a, int Ho, int Wo, const float* x, int n0, int g, float* col,
                         long long total) {
  const int Cg = a.Cin / a.groups;
  for (long long i = blockIdx.x * 256LL + threadIdx.x; i < total; i += 256LL * gridDim.x) {
    long long t = i;
    const int ci = int(t % Cg);
    t /= Cg;
    const int kw = int(t % a.KW);
    t /= a.KW;
    const int kh = int(t % a.KH);
    t /= a.KH;
    const int ow = int(t % Wo);
    t /= Wo;
    const int oh = int(t % Ho);
    const int n = int(t / Ho);
    const int ih = oh * a.stride - a.pad + kh, iw = ow * a.stride - a.pad + kw;
    float v = 0.f;
    if (ih >= 0 && ih < a.H && iw >= 0 && iw < a.W)
      v = x[(((long long)(n0 + n) * a.H + ih) * a.W + iw) * a.Cin + (long long)g * Cg + ci];
    col[i] = v;
  }
}

// Gather form of col2im: one thread per input element of group g of the chunk's images, summing
// every column entry that read it, and overwriting gx (chunks and groups are disjoint).
__global__ void k_col2im(ConvArgs a, int Ho, int Wo, const float* col, int n0, int g, float* gx,
                         long long total) {
  const int Cg = a.Cin / a.groups, s = a.stride;
  const long long Kg = (long long)a.KH * a.KW * Cg;
  for (long long i = blockIdx.x * 256LL + threadIdx.x; i < total; i += 256LL * gridDim.x) {
    long long t = i;
    const int ci = int(t % Cg);
    t /= Cg;
    const int iw = int(t % a.W);
    t /= a.W;
    const int ih = int(t % a.H);
    const int n = int(t / a.H);
    const float* cn = col + (long long)n * Ho * Wo * Kg;
    float acc = 0.f;
    for (int kh = 0; kh < a.KH; ++kh) {
      const int th = ih + a.pad - kh;
      if (th < 0 || th % s) continue;
      const int oh = th / s;
      if (oh >= Ho) continue;
      for (int kw = 0; kw < a.KW; ++kw) {
        const int tw = iw + a.pad - kw;
        if (tw < 0 || tw % s) continue;
        const int ow = tw / s;
        if (ow >= Wo) continue;
        acc += cn[((long long)oh * Wo + ow) * Kg + ((long long)kh * a.KW + kw) * Cg + ci];
      }
    }
    gx[(((long long)(n0 + n) * a.H + ih) * a.W + iw) * a.Cin + (long long)g * Cg + ci] = acc;
  }
}

void im2col(const ConvArgs& a, const float* x, int n0, int nc, int g, float* col) {
  const long long total = (long long)nc * col_per_image(a);
  if (total <= 0) return;
  k_im2col<<<iqnas_grid(total), 256, 0, stream()>>>(a, a.Ho(), a.Wo(), x, n0, g, col, total);
  IQNAS_CUDA_LAUNCH_CHECK();
}

void col2im(const ConvArgs& a, const float* col, int n0, int nc, int g, float* gx) {
  const long long total = (long long)nc * a.H * a.W * (a.Cin / a.groups);
  if (total <= 0) return;
  k_col2im<<<iqnas_grid(total), 256, 0, stream()>>>(a, a.Ho(), a.Wo(), col, n0, g, gx, total);
  IQNAS_CUDA_LAUNCH_CHECK();
}

}  // namespace

void conv2d_forward(const ConvArgs& a, const float* x, const float* w, float* y, float* ws) {
  const int Cg = a.Cin / a.groups, Coutg = a.Cout / a.groups;
  const int64_t P = int64_t(a.Ho()) * a.Wo();
  const int64_t Kg = int64_t(a.KH) * a.KW * Cg;
  if (is_plain_pointwise(a)) {
    for (int g = 0; g < a.groups; ++g)
      gemm(false, true, a.N * P, Coutg, Cg, 1.0f, x + g * Cg, a.Cin, w + int64_t(g) * Coutg * Kg, Kg, 0.0f,
           y + g * Coutg, a.Cout);
    return;
  }
  const int chunk = images_per_chunk(a);
  for (int n0 = 0; n0 < a.N; n0 += chunk) {
    const int nc = std::min(chunk, a.N - n0);
    for (int g = 0; g < a.groups; ++g) {
      im2col(a, x, n0, nc, g, ws);
      gemm(false, true, nc * P, Coutg, Kg, 1.0f, ws, Kg, w + int64_t(g) * Coutg * Kg, Kg, 0.0f,
           y + n0 * P * a.Cout + g * Coutg, a.Cout);
    }
  }
}

void conv2d_backward_data(const ConvArgs& a, const float* gy, const float* w, float* gx, float* ws) {
  const int Cg = a.Cin / a.groups, Coutg = a.Cout / a.groups;
  const int64_t P = int64_t(a.Ho()) * a.Wo();
  const int64_t Kg = int64_t(a.KH) * a.KW * Cg;
  if (is_plain_pointwise(a)) {
    for (int g = 0; g < a.groups; ++g)
      gemm(false, false, a.N * P, Cg, Coutg, 1.0f, gy + g * Coutg, a.Cout, w + int64_t(g) * Coutg * Kg, Kg,
           0.0f, gx + g * Cg, a.Cin);
    return;
  }
  const int chunk = images_per_chunk(a);
  for (int n0 = 0; n0 < a.N; n0 += chunk) {
    const int nc = std::min(chunk, a.N - n0);
    for (int g = 0; g < a.groups; ++g) {
      gemm(false, false, nc * P, Kg, Coutg, 1.0f, gy + n0 * P * a.Cout + g * Coutg, a.Cout,
           w + int64_t(g) * Coutg * Kg, Kg, 0.0f, ws, Kg);
      col2im(a, ws, n0, nc, g, gx);
    }
  }
}

void conv2d_backward_weight(const ConvArgs& a, const float* x, const float* gy, float* gw, float* ws) {
  const int Cg = a.Cin / a.groups, Coutg = a.Cout / a.groups;
  const int64_t P = int64_t(a.Ho()) * a.Wo();
  const int64_t Kg = int64_t(a.KH) * a.KW * Cg;
  if (a.N <= 0) {
    memset_zero(gw, sizeof(float) * size_t(a.Cout) * size_t(Kg));
    return;
  }
  if (is_plain_pointwise(a)) {
    for (int g = 0; g < a.groups; ++g)
      gemm(true, false, Coutg, Cg, a.N * P, 1.0f, gy + g * Coutg, a.Cout, x + g * Cg, a.Cin, 0.0f,
           gw + int64_t(g) * Coutg * Kg, Kg);
    return;
  }
  const int chunk = images_per_chunk(a);
  for (int n0 = 0; n0 < a.N; n0 += chunk) {
    const int nc = std::min(chunk, a.N - n0);
    for (int g = 0; g < a.groups; ++g) {
      im2col(a, x, n0, nc, g, ws);
      gemm(true, false, Coutg, Kg, nc * P, 1.0f, gy + n0 * P * a.Cout + g * Coutg, a.Cout, ws, Kg,
           n0 == 0 ? 0.0f : 1.0f, gw + int64_t(g) * Coutg * Kg, Kg);
    }
  }
}

}  // namespace iqnas::cuda
