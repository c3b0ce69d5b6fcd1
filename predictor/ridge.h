// Ridge least squares with the regularisation chosen by k-fold cross-validation.
//
//   minimise  || y - b - X w ||^2 + lambda || w ||^2        (the intercept b is not penalised)
//
// X and y are centred on each training set, so b = mean(y) - mean(X) . w. The fit works in the
// primal (p x p, p = features) when features do not outnumber samples, else in the dual (n x n
// Gram matrix of the centred rows, w = Xc^T alpha), which is what a quadratic over one-hot groups
// needs (tens of thousands of pair features, a few thousand samples). Each fold is decomposed once
// (symmetric eigendecomposition) and every lambda of the grid is then a diagonal solve, so the
// cost is folds x O(min(n, p)^3) plus forming X^T X or X X^T (sparse X makes the latter cheap).
#pragma once
#include <cstdint>
#include <vector>

#include <Eigen/Dense>
#include <Eigen/SparseCore>

namespace iqnas::predictor {

// n values spaced evenly in log between lo and hi (both > 0), ascending.
std::vector<double> log_grid(double lo, double hi, int n);

struct RidgeOptions {
  std::vector<double> lambdas = log_grid(1e-4, 1e4, 25);  // candidates, each > 0
  int folds = 5;                                          // k >= 2, at most the number of samples
  uint64_t seed = 0;                                      // assignment of samples to folds
  enum class Form { Automatic, Primal, Dual } form = Form::Automatic;
};

struct RidgeFit {
  double intercept = 0.0;
  Eigen::VectorXd weights;
  double lambda = 0.0;                      // the chosen one (least CV error; ties: the larger)
  double cv_rmse = 0.0;                     // out-of-fold RMSE at lambda
  std::vector<double> cv_rmse_per_lambda;   // same order as RidgeOptions::lambdas
  Eigen::VectorXd cv_predictions;           // out-of-fold prediction of every sample at lambda
  bool dual = false;                        // which form was solved

  double predict(const Eigen::Ref<const Eigen::VectorXd>& x) const { return intercept + weights.dot(x); }
};

// Throws std::invalid_argument for mismatched sizes, fewer samples than folds, folds < 2, an empty
// or non-positive lambda grid, or a non-finite entry in X or y.
RidgeFit fit_ridge(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const RidgeOptions& options = {});
RidgeFit fit_ridge(const Eigen::SparseMatrix<double, Eigen::RowMajor>& X, const Eigen::VectorXd& y,
                   const RidgeOptions& options = {});

}  // namespace iqnas::predictor
