// A feature map of one-hot selections for fitted predictors of the bilinear (quadratic) form.
//
// The space is a list of groups with group_sizes[g] options each; a selection picks one option
// index per group. The features are
//   - one per option (the linear part, no intercept column: the fit adds the intercept), at the
//     solver's global variable index (options of group 0 first, then group 1, ...), and
//   - for every chosen group pair (a, b), a != b, one product feature x_i * x_j per option pair
//     (i of a, j of b), after the linear part, pair by pair, i major.
// Every feature is 0 or 1, and a selection switches on exactly (groups + pairs) of them.
// to_expression() turns a fitted (intercept, weights) into the solver row that equals the model's
// prediction at every selection.
#pragma once
#include <utility>
#include <vector>

#include <Eigen/Dense>
#include <Eigen/SparseCore>

#include "solver/problem.h"

namespace iqnas::predictor {

using GroupPair = std::pair<int, int>;

class OneHotFeatures {
 public:
  // Throws std::invalid_argument for an empty group list, a group without options, a pair with a
  // group out of range or a == b, and a pair listed twice (in either order).
  OneHotFeatures(std::vector<int> group_sizes, std::vector<GroupPair> pairs);

  // Every pair (a, b), a < b, of num_groups groups.
  static std::vector<GroupPair> all_pairs(int num_groups);
  // Every pair with one group in `first` and the other in `second` (a != b; a pair reachable both
  // ways when the sets overlap is listed once, as (min, max)).
  static std::vector<GroupPair> pairs_between(const std::vector<int>& first, const std::vector<int>& second);

  int num_groups() const { return static_cast<int>(sizes_.size()); }
  int num_options() const { return option_offset_.back(); }
  int size() const { return size_; }
  const std::vector<int>& group_sizes() const { return sizes_; }
  const std::vector<GroupPair>& pairs() const { return pairs_; }
  // Global index of option `option` of group `group` (= its linear feature).
  int var(int group, int option) const { return option_offset_[group] + option; }

  // Indices of the features equal to 1 at a selection, ascending (the sparse row). Throws
  // std::invalid_argument for a wrong length or an option index out of range.
  std::vector<int> active(const std::vector<int>& selection) const;
  Eigen::VectorXd dense(const std::vector<int>& selection) const;
  // One row per selection.
  Eigen::MatrixXd matrix(const std::vector<std::vector<int>>& selections) const;
  Eigen::SparseMatrix<double, Eigen::RowMajor> sparse_matrix(const std::vector<std::vector<int>>& selections) const;

  // intercept + weights . features(selection). weights.size() must equal size().
  double predict(double intercept, const Eigen::VectorXd& weights, const std::vector<int>& selection) const;
  // The same model as a solver row over the global option variables: constant = intercept,
  // linear = the option weights, bilinear = the product weights. Zero weights are left out.
  solver::Expression to_expression(double intercept, const Eigen::VectorXd& weights) const;

 private:
  std::vector<int> sizes_;
  std::vector<GroupPair> pairs_;
  std::vector<int> option_offset_;  // per group, plus the total at the end
  std::vector<int> pair_offset_;    // feature index of each pair's first product
  int size_ = 0;
};

}  // namespace iqnas::predictor
