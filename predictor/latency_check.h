// Agreement of predicted and measured latencies (iqnas lut-check): MAPE, Pearson correlation,
// Kendall tau (predictor/rank_metrics.h), the least-squares linear correction measured ~ slope * predicted + intercept (the
// reference's optional correction).
#pragma once
#include <string>
#include <vector>

#include "predictor/rank_metrics.h"

namespace iqnas::predictor {

struct LinearFit {
  double slope = 1, intercept = 0;
  double operator()(double x) const { return slope * x + intercept; }
};

double mape(const std::vector<double>& predicted, const std::vector<double>& measured);  // in percent
LinearFit fit_linear(const std::vector<double>& x, const std::vector<double>& y);  // y ~ slope x + intercept

}  // namespace iqnas::predictor
