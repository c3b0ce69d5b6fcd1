#include "tests/kernels/reference/reference.h"

namespace iqnas::ref {
namespace {

// Calls f(xi, wi, yi) for every multiply-add y[yi] += x[xi] * w[wi] of the convolution.
template <class F>
void each_product(const ConvArgs& a, F&& f) {
  const int Cg = a.Cin / a.groups, Coutg = a.Cout / a.groups, Ho = a.Ho(), Wo = a.Wo();
  for (int n = 0; n < a.N; ++n)
    for (int oh = 0; oh < Ho; ++oh)
      for (int ow = 0; ow < Wo; ++ow)
        for (int co = 0; co < a.Cout; ++co) {
          const int g = co / Coutg;
          const size_t yi = ((size_t(n) * Ho + oh) * Wo + ow) * a.Cout + co;
          for (int kh = 0; kh < a.KH; ++kh)
            for (int kw = 0; kw < a.KW; ++kw) {
              const int ih = oh * a.stride - a.pad + kh, iw = ow * a.stride - a.pad + kw;
              if (ih < 0 || ih >= a.H || iw < 0 || iw >= a.W) continue;  // zero padding
              for (int ci = 0; ci < Cg; ++ci) {
                const size_t xi = ((size_t(n) * a.H + ih) * a.W + iw) * a.Cin + g * Cg + ci;
                const size_t wi = ((size_t(co) * a.KH + kh) * a.KW + kw) * Cg + ci;
                f(xi, wi, yi);
              }
            }
        }
}

size_t x_size(const ConvArgs& a) { return size_t(a.N) * a.H * a.W * a.Cin; }
size_t y_size(const ConvArgs& a) { return size_t(a.N) * a.Ho() * a.Wo() * a.Cout; }
size_t w_size(const ConvArgs& a) { return size_t(a.Cout) * a.KH * a.KW * (a.Cin / a.groups); }

}  // namespace

Doubles conv2d_forward(const ConvArgs& a, const Floats& x, const Floats& w) {
  Doubles y(y_size(a));
  each_product(a, [&](size_t xi, size_t wi, size_t yi) { y[yi] += double(x[xi]) * w[wi]; });
  return y;
}

Doubles conv2d_backward_data(const ConvArgs& a, const Floats& gy, const Floats& w) {
  Doubles gx(x_size(a));
  each_product(a, [&](size_t xi, size_t wi, size_t yi) { gx[xi] += double(gy[yi]) * w[wi]; });
  return gx;
}

Doubles conv2d_backward_weight(const ConvArgs& a, const Floats& x, const Floats& gy) {
  Doubles gw(w_size(a));
  each_product(a, [&](size_t xi, size_t wi, size_t yi) { gw[wi] += double(gy[yi]) * x[xi]; });
  return gw;
}

}  // namespace iqnas::ref
