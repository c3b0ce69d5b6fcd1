// How well a predictor orders and fits true values: Kendall's tau-b, Spearman's rho, Pearson's r
// and the root-mean-square error. Every function takes (predicted, true) or any two paired
// vectors; they throw std::invalid_argument when the sizes differ or fewer than two pairs are
// given (rmse: fewer than one). A correlation whose denominator is zero (one vector constant)
// is undefined and returned as NaN.
#pragma once
#include <vector>

namespace iqnas::predictor {

// tau-b = (concordant - discordant) / sqrt((n0 - ties_a) (n0 - ties_b)), n0 = n(n-1)/2; a pair
// tied in a is neither concordant nor discordant. O(n^2): 15,625 pairs of values take ~0.3 s.
double kendall_tau(const std::vector<double>& a, const std::vector<double>& b);
// Pearson's r of the ranks, tied values sharing their average rank.
double spearman(const std::vector<double>& a, const std::vector<double>& b);
double pearson(const std::vector<double>& a, const std::vector<double>& b);
double rmse(const std::vector<double>& a, const std::vector<double>& b);

// 1-based ranks, ties getting the average of the ranks they span (used by spearman).
std::vector<double> average_ranks(const std::vector<double>& v);

}  // namespace iqnas::predictor
