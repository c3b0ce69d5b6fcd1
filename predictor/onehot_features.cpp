#include "predictor/onehot_features.h"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>

namespace iqnas::predictor {

OneHotFeatures::OneHotFeatures(std::vector<int> group_sizes, std::vector<GroupPair> pairs)
    : sizes_(std::move(group_sizes)), pairs_(std::move(pairs)) {
  if (sizes_.empty()) throw std::invalid_argument("OneHotFeatures: no groups");
  option_offset_.push_back(0);
  for (size_t g = 0; g < sizes_.size(); ++g) {
    if (sizes_[g] < 1)
      throw std::invalid_argument("OneHotFeatures: group " + std::to_string(g) + " has no options");
    option_offset_.push_back(option_offset_.back() + sizes_[g]);
  }
  size_ = option_offset_.back();
  std::set<GroupPair> seen;
  for (size_t k = 0; k < pairs_.size(); ++k) {
    const auto [a, b] = pairs_[k];
    const std::string where = "OneHotFeatures: pair " + std::to_string(k) + " (" + std::to_string(a) + ", " +
                              std::to_string(b) + ")";
    if (a < 0 || b < 0 || a >= num_groups() || b >= num_groups())
      throw std::invalid_argument(where + ": group out of range 0.." + std::to_string(num_groups() - 1));
    if (a == b) throw std::invalid_argument(where + ": both groups are the same");
    if (!seen.insert({std::min(a, b), std::max(a, b)}).second)
      throw std::invalid_argument(where + ": listed twice");
    pair_offset_.push_back(size_);
    size_ += sizes_[a] * sizes_[b];
  }
}

std::vector<GroupPair> OneHotFeatures::all_pairs(int num_groups) {
  std::vector<GroupPair> out;
  for (int a = 0; a < num_groups; ++a)
    for (int b = a + 1; b < num_groups; ++b) out.push_back({a, b});
  return out;
}

std::vector<GroupPair> OneHotFeatures::pairs_between(const std::vector<int>& first, const std::vector<int>& second) {
  std::vector<GroupPair> out;
  std::set<GroupPair> seen;
  for (int a : first)
    for (int b : second)
      if (a != b && seen.insert({std::min(a, b), std::max(a, b)}).second) out.push_back({std::min(a, b), std::max(a, b)});
  return out;
}

std::vector<int> OneHotFeatures::active(const std::vector<int>& selection) const {
  if (selection.size() != sizes_.size())
    throw std::invalid_argument("OneHotFeatures: selection has " + std::to_string(selection.size()) +
                                " entries, expected one per group (" + std::to_string(sizes_.size()) + ")");
  std::vector<int> out;
  out.reserve(sizes_.size() + pairs_.size());
  for (size_t g = 0; g < sizes_.size(); ++g) {
    if (selection[g] < 0 || selection[g] >= sizes_[g])
      throw std::invalid_argument("OneHotFeatures: selection[" + std::to_string(g) + "] = " +
                                  std::to_string(selection[g]) + " is out of range 0.." + std::to_string(sizes_[g] - 1));
    out.push_back(option_offset_[g] + selection[g]);
  }
  for (size_t k = 0; k < pairs_.size(); ++k) {
    const auto [a, b] = pairs_[k];
    out.push_back(pair_offset_[k] + selection[a] * sizes_[b] + selection[b]);
  }
  return out;
}

Eigen::VectorXd OneHotFeatures::dense(const std::vector<int>& selection) const {
  Eigen::VectorXd x = Eigen::VectorXd::Zero(size_);
  for (int i : active(selection)) x[i] = 1.0;
  return x;
}

Eigen::MatrixXd OneHotFeatures::matrix(const std::vector<std::vector<int>>& selections) const {
  Eigen::MatrixXd X = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(selections.size()), size_);
  for (size_t r = 0; r < selections.size(); ++r)
    for (int i : active(selections[r])) X(static_cast<Eigen::Index>(r), i) = 1.0;
  return X;
}

Eigen::SparseMatrix<double, Eigen::RowMajor> OneHotFeatures::sparse_matrix(
    const std::vector<std::vector<int>>& selections) const {
  std::vector<Eigen::Triplet<double>> t;
  t.reserve(selections.size() * (sizes_.size() + pairs_.size()));
  for (size_t r = 0; r < selections.size(); ++r)
    for (int i : active(selections[r])) t.emplace_back(static_cast<int>(r), i, 1.0);
  Eigen::SparseMatrix<double, Eigen::RowMajor> X(static_cast<Eigen::Index>(selections.size()), size_);
  X.setFromTriplets(t.begin(), t.end());
  return X;
}

double OneHotFeatures::predict(double intercept, const Eigen::VectorXd& weights,
                               const std::vector<int>& selection) const {
  if (weights.size() != size_)
    throw std::invalid_argument("OneHotFeatures::predict: " + std::to_string(weights.size()) +
                                " weights for " + std::to_string(size_) + " features");
  double y = intercept;
  for (int i : active(selection)) y += weights[i];
  return y;
}

solver::Expression OneHotFeatures::to_expression(double intercept, const Eigen::VectorXd& weights) const {
  if (weights.size() != size_)
    throw std::invalid_argument("OneHotFeatures::to_expression: " + std::to_string(weights.size()) +
                                " weights for " + std::to_string(size_) + " features");
  solver::Expression e;
  e.constant = intercept;
  for (int v = 0; v < num_options(); ++v)
    if (weights[v] != 0.0) e.linear.push_back({v, weights[v]});
  for (size_t k = 0; k < pairs_.size(); ++k) {
    const auto [a, b] = pairs_[k];
    for (int i = 0; i < sizes_[a]; ++i)
      for (int j = 0; j < sizes_[b]; ++j) {
        const double w = weights[pair_offset_[k] + i * sizes_[b] + j];
        if (w != 0.0) e.bilinear.push_back({var(a, i), var(b, j), w});
      }
  }
  return e;
}

}  // namespace iqnas::predictor
