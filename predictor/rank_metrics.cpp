#include "predictor/rank_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace iqnas::predictor {
namespace {

void check_pairs(const std::vector<double>& a, const std::vector<double>& b, size_t min_size, const char* what) {
  if (a.size() != b.size())
    throw std::invalid_argument(std::string(what) + ": the two vectors differ in size (" + std::to_string(a.size()) +
                                " and " + std::to_string(b.size()) + ")");
  if (a.size() < min_size)
    throw std::invalid_argument(std::string(what) + ": needs at least " + std::to_string(min_size) + " pairs, got " +
                                std::to_string(a.size()));
}

int sign(double x) { return (x > 0) - (x < 0); }

}  // namespace

double kendall_tau(const std::vector<double>& a, const std::vector<double>& b) {
  check_pairs(a, b, 2, "kendall_tau");
  const size_t n = a.size();
  double concordant_minus_discordant = 0, ties_a = 0, ties_b = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const int sa = sign(a[i] - a[j]), sb = sign(b[i] - b[j]);
      if (sa == 0) ties_a += 1;
      if (sb == 0) ties_b += 1;
      concordant_minus_discordant += sa * sb;
    }
  }
  const double n0 = 0.5 * static_cast<double>(n) * static_cast<double>(n - 1);
  const double denom = std::sqrt((n0 - ties_a) * (n0 - ties_b));
  if (denom == 0) return std::numeric_limits<double>::quiet_NaN();
  return concordant_minus_discordant / denom;
}

std::vector<double> average_ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) { return v[i] < v[j]; });
  std::vector<double> rank(v.size());
  for (size_t start = 0; start < order.size();) {
    size_t end = start + 1;
    while (end < order.size() && v[order[end]] == v[order[start]]) ++end;
    const double avg = 0.5 * static_cast<double>(start + 1 + end);  // mean of ranks start+1 .. end
    for (size_t k = start; k < end; ++k) rank[order[k]] = avg;
    start = end;
  }
  return rank;
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  check_pairs(a, b, 2, "pearson");
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n;
  const double mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  if (saa == 0 || sbb == 0) return std::numeric_limits<double>::quiet_NaN();
  return sab / std::sqrt(saa * sbb);
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  check_pairs(a, b, 2, "spearman");
  return pearson(average_ranks(a), average_ranks(b));
}

double rmse(const std::vector<double>& a, const std::vector<double>& b) {
  check_pairs(a, b, 1, "rmse");
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s / static_cast<double>(a.size()));
}

}  // namespace iqnas::predictor
