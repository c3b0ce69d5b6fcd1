// Golden-section search, shared by the Lagrange-multiplier searches of `exact`.
#pragma once
#include <utility>

namespace iqnas::solver::detail {

// Minimum of a unimodal f on [0, hi] with `iters` shrinking steps; returns the better of the last
// two probes (x, f(x)).
template <typename F>
std::pair<double, double> golden_section_min(const F& f, double hi, int iters) {
  const double gr = 0.6180339887498949;
  double a = 0, b = hi;
  double x1 = b - gr * (b - a), x2 = a + gr * (b - a);
  double f1 = f(x1), f2 = f(x2);
  for (int it = 0; it < iters; ++it) {
    if (f1 <= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - gr * (b - a);
      f1 = f(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + gr * (b - a);
      f2 = f(x2);
    }
  }
  return f1 <= f2 ? std::pair{x1, f1} : std::pair{x2, f2};
}

}  // namespace iqnas::solver::detail
