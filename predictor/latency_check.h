// Agreement of predicted and measured latencies (iqnas lut-check): MAPE, Pearson correlation,
// Kendall tau, the least-squares linear correction measured ~ slope * predicted + intercept (the
// reference's optional correction), and a scatter plot as SVG.
#pragma once
#include <string>
#include <vector>

namespace iqnas::predictor {

struct LinearFit {
  double slope = 1, intercept = 0;
  double operator()(double x) const { return slope * x + intercept; }
};

double mape(const std::vector<double>& predicted, const std::vector<double>& measured);  // in percent
double pearson(const std::vector<double>& x, const std::vector<double>& y);
double kendall_tau(const std::vector<double>& x, const std::vector<double>& y);  // tau-b
LinearFit fit_linear(const std::vector<double>& x, const std::vector<double>& y);  // y ~ slope x + intercept

// Predicted (x) against measured (y) with the line y = x; writes to a temporary file, then renames.
void write_scatter_svg(const std::string& path, const std::vector<double>& predicted,
                       const std::vector<double>& measured, const std::string& title);

}  // namespace iqnas::predictor
