#include "predictor/latency_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace iqnas::predictor {

namespace {
void check_sizes(const std::vector<double>& x, const std::vector<double>& y, size_t min) {
  if (x.size() != y.size() || x.size() < min)
    throw std::invalid_argument("latency check: need two series of equal length >= " + std::to_string(min));
}
}  // namespace

double mape(const std::vector<double>& p, const std::vector<double>& m) {
  check_sizes(p, m, 1);
  double s = 0;
  for (size_t i = 0; i < p.size(); ++i) s += std::fabs(p[i] - m[i]) / m[i];
  return 100.0 * s / double(p.size());
}

LinearFit fit_linear(const std::vector<double>& x, const std::vector<double>& y) {
  check_sizes(x, y, 2);
  const double n = double(x.size());
  double mx = 0, my = 0;
  for (size_t i = 0; i < x.size(); ++i) mx += x[i] / n, my += y[i] / n;
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < x.size(); ++i) sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx);
  LinearFit f;
  if (sxx > 0) f.slope = sxy / sxx;
  f.intercept = my - f.slope * mx;
  return f;
}

}  // namespace iqnas::predictor
