// General NHWC convolution by im2col + GEMM (kernels/gemm.h).
//
// For group g the column matrix of a chunk of `nc` images is [nc*Ho*Wo, KH*KW*Cg] (Cg = Cin/groups),
// its column order (kh, kw, ci) matching the weight layout [Cout, KH, KW, Cg]. Then
//   forward          y_g  [P, Coutg]  = col_g * W_g^T
//   backward data    col_g            = gy_g * W_g          (gathered back into gx: col2im)
//   backward weight  gW_g [Coutg, Kg] = sum over chunks gy_g^T * col_g
// where gy_g / y_g are column slices of the NHWC output (row stride Cout). Images are processed in
// chunks so that the column buffer stays bounded (see conv2d_workspace). A 1x1, stride-1, unpadded
// convolution needs no column matrix at all: x itself is the [N*H*W, Cin] matrix.
#include "kernels/conv.h"

#include <algorithm>
#include <cstring>

#include "kernels/gemm.h"

namespace iqnas {
namespace {

// Upper bound on the column buffer (floats) used to size chunks; at least one image is always used.
constexpr std::size_t kColBudget = std::size_t(1) << 21;  // 8 MiB
// Below this many floats of work a loop runs on the calling thread (fork/join costs more).
constexpr std::size_t kParallelMin = std::size_t(1) << 15;

bool is_plain_pointwise(const ConvArgs& a) {
  return a.KH == 1 && a.KW == 1 && a.stride == 1 && a.pad == 0;
}

std::size_t col_per_image(const ConvArgs& a) {
  return std::size_t(a.Ho()) * a.Wo() * a.KH * a.KW * (a.Cin / a.groups);
}

int images_per_chunk(const ConvArgs& a) {
  const std::size_t per = std::max<std::size_t>(col_per_image(a), 1);
  return int(std::clamp<std::size_t>(kColBudget / per, 1, std::size_t(std::max(a.N, 1))));
}

// col[(n, oh, ow), (kh, kw, ci)] = x[n0 + n, oh*s - p + kh, ow*s - p + kw, g*Cg + ci] or 0.
void im2col(const ConvArgs& a, const float* x, int n0, int nc, int g, float* col) {
  const int Ho = a.Ho(), Wo = a.Wo(), Cg = a.Cin / a.groups;
  const std::size_t Kg = std::size_t(a.KH) * a.KW * Cg;
  const int rows = nc * Ho;
#pragma omp parallel for schedule(static) if (std::size_t(rows) * Wo * Kg > kParallelMin)
  for (int r = 0; r < rows; ++r) {
    const int n = r / Ho, oh = r % Ho;
    const float* xn = x + std::size_t(n0 + n) * a.H * a.W * a.Cin + std::size_t(g) * Cg;
    float* crow = col + std::size_t(r) * Wo * Kg;
    for (int ow = 0; ow < Wo; ++ow) {
      float* c = crow + std::size_t(ow) * Kg;
      for (int kh = 0; kh < a.KH; ++kh) {
        const int ih = oh * a.stride - a.pad + kh;
        for (int kw = 0; kw < a.KW; ++kw, c += Cg) {
          const int iw = ow * a.stride - a.pad + kw;
          if (ih < 0 || ih >= a.H || iw < 0 || iw >= a.W) {
            std::memset(c, 0, sizeof(float) * Cg);
          } else {
            std::memcpy(c, xn + (std::size_t(ih) * a.W + iw) * a.Cin, sizeof(float) * Cg);
          }
        }
      }
    }
  }
}

// gx[n0 + n, ih, iw, g*Cg + ci] = sum of the column entries that read that input element
// (gather form: every input row is owned by one thread, so there are no write races).
void col2im(const ConvArgs& a, const float* col, int n0, int nc, int g, float* gx) {
  const int Ho = a.Ho(), Wo = a.Wo(), Cg = a.Cin / a.groups, s = a.stride;
  const std::size_t Kg = std::size_t(a.KH) * a.KW * Cg;
  const int rows = nc * a.H;
#pragma omp parallel for schedule(static) if (std::size_t(rows) * a.W * Kg > kParallelMin)
  for (int r = 0; r < rows; ++r) {
    const int n = r / a.H, ih = r % a.H;
    float* gxrow = gx + (std::size_t(n0 + n) * a.H + ih) * a.W * a.Cin + std::size_t(g) * Cg;
    const float* cn = col + std::size_t(n) * Ho * Wo * Kg;
    for (int iw = 0; iw < a.W; ++iw) {
      float* dst = gxrow + std::size_t(iw) * a.Cin;
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
          const float* src = cn + (std::size_t(oh) * Wo + ow) * Kg + (std::size_t(kh) * a.KW + kw) * Cg;
#pragma omp simd
          for (int c = 0; c < Cg; ++c) dst[c] += src[c];
        }
      }
    }
  }
}

void zero(float* p, std::size_t n) {
  const std::int64_t m = std::int64_t(n);
  constexpr std::int64_t blk = 1 << 14;
#pragma omp parallel for schedule(static) if (n > kParallelMin)
  for (std::int64_t i = 0; i < m; i += blk) std::memset(p + i, 0, sizeof(float) * std::min(blk, m - i));
}

}  // namespace

std::size_t conv2d_workspace(const ConvArgs& a) {
  if (is_plain_pointwise(a)) return 0;
  return std::size_t(images_per_chunk(a)) * col_per_image(a);
}

namespace cpu {

void conv2d_forward(const ConvArgs& a, const float* x, const float* w, float* y, float* ws) {
  const int Cg = a.Cin / a.groups, Coutg = a.Cout / a.groups;
  const std::int64_t P = std::int64_t(a.Ho()) * a.Wo();
  const std::int64_t Kg = std::int64_t(a.KH) * a.KW * Cg;
  if (is_plain_pointwise(a)) {
    for (int g = 0; g < a.groups; ++g)
      gemm(false, true, a.N * P, Coutg, Cg, 1.0f, x + g * Cg, a.Cin, w + std::int64_t(g) * Coutg * Kg,
           Kg, 0.0f, y + g * Coutg, a.Cout);
    return;
  }
  const int chunk = images_per_chunk(a);
  for (int n0 = 0; n0 < a.N; n0 += chunk) {
    const int nc = std::min(chunk, a.N - n0);
    for (int g = 0; g < a.groups; ++g) {
      im2col(a, x, n0, nc, g, ws);
      gemm(false, true, nc * P, Coutg, Kg, 1.0f, ws, Kg, w + std::int64_t(g) * Coutg * Kg, Kg, 0.0f,
           y + n0 * P * a.Cout + g * Coutg, a.Cout);
    }
  }
}

void conv2d_backward_data(const ConvArgs& a, const float* gy, const float* w, float* gx, float* ws) {
  const int Cg = a.Cin / a.groups, Coutg = a.Cout / a.groups;
  const std::int64_t P = std::int64_t(a.Ho()) * a.Wo();
  const std::int64_t Kg = std::int64_t(a.KH) * a.KW * Cg;
  if (is_plain_pointwise(a)) {
    for (int g = 0; g < a.groups; ++g)
      gemm(false, false, a.N * P, Cg, Coutg, 1.0f, gy + g * Coutg, a.Cout,
           w + std::int64_t(g) * Coutg * Kg, Kg, 0.0f, gx + g * Cg, a.Cin);
    return;
  }
  zero(gx, std::size_t(a.N) * a.H * a.W * a.Cin);
  const int chunk = images_per_chunk(a);
  for (int n0 = 0; n0 < a.N; n0 += chunk) {
    const int nc = std::min(chunk, a.N - n0);
    for (int g = 0; g < a.groups; ++g) {
      gemm(false, false, nc * P, Kg, Coutg, 1.0f, gy + n0 * P * a.Cout + g * Coutg, a.Cout,
           w + std::int64_t(g) * Coutg * Kg, Kg, 0.0f, ws, Kg);
      col2im(a, ws, n0, nc, g, gx);
    }
  }
}

void conv2d_backward_weight(const ConvArgs& a, const float* x, const float* gy, float* gw, float* ws) {
  const int Cg = a.Cin / a.groups, Coutg = a.Cout / a.groups;
  const std::int64_t P = std::int64_t(a.Ho()) * a.Wo();
  const std::int64_t Kg = std::int64_t(a.KH) * a.KW * Cg;
  if (is_plain_pointwise(a)) {
    for (int g = 0; g < a.groups; ++g)
      gemm(true, false, Coutg, Cg, a.N * P, 1.0f, gy + g * Coutg, a.Cout, x + g * Cg, a.Cin, 0.0f,
           gw + std::int64_t(g) * Coutg * Kg, Kg);
    return;
  }
  const int chunk = images_per_chunk(a);
  for (int n0 = 0; n0 < a.N; n0 += chunk) {
    const int nc = std::min(chunk, a.N - n0);
    for (int g = 0; g < a.groups; ++g) {
      im2col(a, x, n0, nc, g, ws);
      gemm(true, false, Coutg, Kg, nc * P, 1.0f, gy + n0 * P * a.Cout + g * Coutg, a.Cout, ws, Kg,
           n0 == 0 ? 0.0f : 1.0f, gw + std::int64_t(g) * Coutg * Kg, Kg);
    }
  }
  if (a.N <= 0) std::memset(gw, 0, sizeof(float) * std::size_t(a.Cout) * Kg);
}

}  // namespace cpu
}  // namespace iqnas
