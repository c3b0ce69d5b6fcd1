#include <algorithm>
#include <cmath>

#include "tests/kernels/reference/reference.h"

namespace iqnas::ref {

double act(Act a, double x) {
  const double relu6 = std::min(std::max(x + 3.0, 0.0), 6.0);
  switch (a) {
    case Act::ReLU: return std::max(x, 0.0);
    case Act::HSwish: return x * relu6 / 6.0;
    case Act::HSigmoid: return relu6 / 6.0;
    case Act::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
  }
  return x;
}

double act_derivative(Act a, double x) {
  switch (a) {
    case Act::ReLU: return x > 0 ? 1.0 : 0.0;
    case Act::HSwish: return x < -3 ? 0.0 : x <= 3 ? x / 3.0 + 0.5 : 1.0;
    case Act::HSigmoid: return x > -3 && x < 3 ? 1.0 / 6.0 : 0.0;
    case Act::Sigmoid: {
      const double s = act(Act::Sigmoid, x);
      return s * (1.0 - s);
    }
  }
  return 1.0;
}

Doubles act_forward(Act a, const Floats& x) {
  Doubles y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = act(a, x[i]);
  return y;
}

Doubles act_backward(Act a, const Floats& x, const Floats& gy) {
  Doubles gx(x.size());
  for (size_t i = 0; i < x.size(); ++i) gx[i] = gy[i] * act_derivative(a, x[i]);
  return gx;
}

Doubles add(const Floats& a, const Floats& b) {
  Doubles y(a.size());
  for (size_t i = 0; i < a.size(); ++i) y[i] = double(a[i]) + b[i];
  return y;
}

Doubles mul(const Floats& a, const Floats& b) {
  Doubles y(a.size());
  for (size_t i = 0; i < a.size(); ++i) y[i] = double(a[i]) * b[i];
  return y;
}

Doubles axpby(double alpha, const Floats& x, double beta, const Floats& y) {
  Doubles r(x.size());
  for (size_t i = 0; i < x.size(); ++i) r[i] = alpha * x[i] + (beta == 0 ? 0.0 : beta * y[i]);
  return r;
}

Doubles mul_channels(const Floats& x, const Floats& g, int64_t N, int64_t S, int64_t C) {
  Doubles y(N * S * C);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t s = 0; s < S; ++s)
      for (int64_t c = 0; c < C; ++c) y[(n * S + s) * C + c] = double(x[(n * S + s) * C + c]) * g[n * C + c];
  return y;
}

Doubles mul_channels_grad_gate(const Floats& x, const Floats& gy, int64_t N, int64_t S, int64_t C) {
  Doubles gg(N * C, 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t s = 0; s < S; ++s)
      for (int64_t c = 0; c < C; ++c) gg[n * C + c] += double(gy[(n * S + s) * C + c]) * x[(n * S + s) * C + c];
  return gg;
}

Doubles scale_rows(const Floats& w, const Floats& x, const Floats& y, int64_t N, int64_t D, bool accumulate) {
  Doubles r(N * D);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t d = 0; d < D; ++d)
      r[n * D + d] = double(w[n]) * x[n * D + d] + (accumulate ? double(y[n * D + d]) : 0.0);
  return r;
}

Doubles dot_rows(const Floats& a, const Floats& b, int64_t N, int64_t D) {
  Doubles r(N, 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t d = 0; d < D; ++d) r[n] += double(a[n * D + d]) * b[n * D + d];
  return r;
}

Doubles sum_columns(const Floats& x, int64_t M, int64_t D) {
  Doubles r(D, 0.0);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t d = 0; d < D; ++d) r[d] += x[m * D + d];
  return r;
}

Doubles add_bias(const Floats& y, const Floats& b, int64_t M, int64_t D) {
  Doubles r(M * D);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t d = 0; d < D; ++d) r[m * D + d] = double(y[m * D + d]) + b[d];
  return r;
}

Doubles avgpool_forward(const Floats& x, int64_t N, int64_t S, int64_t C) {
  Doubles y(N * C, 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t s = 0; s < S; ++s)
      for (int64_t c = 0; c < C; ++c) y[n * C + c] += x[(n * S + s) * C + c];
  for (auto& v : y) v /= double(S);
  return y;
}

Doubles avgpool_backward(const Floats& gy, int64_t N, int64_t S, int64_t C) {
  Doubles gx(N * S * C);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t s = 0; s < S; ++s)
      for (int64_t c = 0; c < C; ++c) gx[(n * S + s) * C + c] = gy[n * C + c] / double(S);
  return gx;
}

double sum_all(const Floats& x) {
  double s = 0;
  for (float v : x) s += v;
  return s;
}

}  // namespace iqnas::ref
