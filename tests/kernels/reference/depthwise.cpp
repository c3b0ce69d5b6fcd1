#include "tests/kernels/reference/reference.h"

namespace iqnas::ref {
namespace {

// Calls f(xi, wi, yi) for every multiply-add y[yi] += x[xi] * w[wi]: channel c of the output sees
// channel c of the input only.
template <class F>
void each_product(const DwConvArgs& a, F&& f) {
  const int Ho = a.Ho(), Wo = a.Wo(), C = a.C, K = a.K;
  for (int n = 0; n < a.N; ++n)
    for (int oh = 0; oh < Ho; ++oh)
      for (int ow = 0; ow < Wo; ++ow)
        for (int kh = 0; kh < K; ++kh)
          for (int kw = 0; kw < K; ++kw) {
            const int ih = oh * a.stride - a.pad + kh, iw = ow * a.stride - a.pad + kw;
            if (ih < 0 || ih >= a.H || iw < 0 || iw >= a.W) continue;  // zero padding
            for (int c = 0; c < C; ++c) {
              const size_t xi = ((size_t(n) * a.H + ih) * a.W + iw) * C + c;
              const size_t yi = ((size_t(n) * Ho + oh) * Wo + ow) * C + c;
              const size_t wi = (size_t(kh) * K + kw) * C + c;
              f(xi, wi, yi);
            }
          }
}

}  // namespace

Doubles depthwise_forward(const DwConvArgs& a, const Floats& x, const Floats& w) {
  Doubles y(size_t(a.N) * a.Ho() * a.Wo() * a.C);
  each_product(a, [&](size_t xi, size_t wi, size_t yi) { y[yi] += double(x[xi]) * w[wi]; });
  return y;
}

Doubles depthwise_backward_data(const DwConvArgs& a, const Floats& gy, const Floats& w) {
  Doubles gx(size_t(a.N) * a.H * a.W * a.C);
  each_product(a, [&](size_t xi, size_t wi, size_t yi) { gx[xi] += double(gy[yi]) * w[wi]; });
  return gx;
}

Doubles depthwise_backward_weight(const DwConvArgs& a, const Floats& x, const Floats& gy) {
  Doubles gw(size_t(a.K) * a.K * a.C);
  each_product(a, [&](size_t xi, size_t wi, size_t yi) { gw[wi] += double(gy[yi]) * x[xi]; });
  return gw;
}

}  // namespace iqnas::ref
