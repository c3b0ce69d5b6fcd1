// Helpers shared by the kernel tests: deterministic random data, double-precision comparisons and
// the directional derivative of a bilinear/nonlinear scalar objective.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "util/rng.h"

namespace iqnas::test {

inline std::vector<float> randn(std::size_t n, unsigned seed, float scale = 1.0f, float shift = 0.0f) {
  util::Rng gen(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = shift + scale * static_cast<float>(gen.normal());
  return v;
}

// Max |a - b| relative to (1 + max |b|); the reference b is in double. A NaN on either side makes
// it NaN, which fails every EXPECT_LT (std::max would skip it).
inline double rel_err(const std::vector<float>& a, const std::vector<double>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0, e = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    m = std::max(m, std::abs(b[i]));
    const double d = std::abs(double(a[i]) - b[i]);
    if (!(d <= e)) e = d;
  }
  return e / (1.0 + m);
}

inline double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return s;
}

inline std::vector<float> axpy(const std::vector<float>& x, float eps, const std::vector<float>& d) {
  std::vector<float> r(x);
  for (std::size_t i = 0; i < r.size(); ++i) r[i] += eps * d[i];
  return r;
}

// Central difference of f along d at x, compared with the analytic directional derivative
// sum(grad * d). f returns the objective in double.
template <class F>
void expect_directional(F&& f, const std::vector<float>& x, const std::vector<float>& d,
                        const std::vector<float>& grad, float eps, double tol, const char* what) {
  const double fd = (f(axpy(x, eps, d)) - f(axpy(x, -eps, d))) / (2.0 * double(eps));
  const double an = dot(grad, d);
  EXPECT_NEAR(fd, an, tol * (1.0 + std::abs(an))) << what << ": finite difference " << fd
                                                   << " vs analytic " << an;
}

}  // namespace iqnas::test
