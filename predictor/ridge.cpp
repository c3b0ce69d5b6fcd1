#include "predictor/ridge.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "util/rng.h"

namespace iqnas::predictor {

std::vector<double> log_grid(double lo, double hi, int n) {
  if (!(lo > 0) || !(hi >= lo) || n < 1) throw std::invalid_argument("log_grid: needs 0 < lo <= hi and n >= 1");
  std::vector<double> g(n);
  for (int i = 0; i < n; ++i)
    g[i] = n == 1 ? lo : std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * i / (n - 1));
  return g;
}

namespace {

using Mat = Eigen::MatrixXd;
using Vec = Eigen::VectorXd;
using Idx = std::vector<Eigen::Index>;

void check(Eigen::Index rows, Eigen::Index cols, const Vec& y, const RidgeOptions& o, bool finite_x) {
  if (y.size() != rows)
    throw std::invalid_argument("fit_ridge: " + std::to_string(rows) + " rows of features but " +
                                std::to_string(y.size()) + " targets");
  if (cols < 1) throw std::invalid_argument("fit_ridge: no features");
  if (o.folds < 2) throw std::invalid_argument("fit_ridge: folds must be at least 2");
  if (rows < o.folds)
    throw std::invalid_argument("fit_ridge: " + std::to_string(rows) + " samples are fewer than the " +
                                std::to_string(o.folds) + " folds");
  if (o.lambdas.empty()) throw std::invalid_argument("fit_ridge: empty lambda grid");
  for (double l : o.lambdas)
    if (!(l > 0) || !std::isfinite(l)) throw std::invalid_argument("fit_ridge: every lambda must be finite and > 0");
  if (!finite_x || !y.allFinite()) throw std::invalid_argument("fit_ridge: non-finite value in the features or targets");
}

// Out-of-fold predictions for every lambda: column l of the result.
// Primal: per fold, eigendecompose Xc^T Xc of the training rows.
Mat cv_primal(const Mat& X, const Vec& y, const std::vector<Idx>& train, const std::vector<Idx>& valid,
              const std::vector<double>& lambdas) {
  Mat pred(X.rows(), static_cast<Eigen::Index>(lambdas.size()));
  for (size_t f = 0; f < train.size(); ++f) {
    const Mat Xt = X(train[f], Eigen::all);
    const Vec yt = y(train[f]);
    const Eigen::RowVectorXd m = Xt.colwise().mean();
    const double ym = yt.mean();
    const Mat Xc = Xt.rowwise() - m;
    Eigen::SelfAdjointEigenSolver<Mat> eig(Xc.transpose() * Xc);
    const Vec c = eig.eigenvectors().transpose() * (Xc.transpose() * (yt.array() - ym).matrix());
    const Mat Pv = (X(valid[f], Eigen::all).rowwise() - m) * eig.eigenvectors();
    const Vec d = eig.eigenvalues().cwiseMax(0.0);
    for (size_t l = 0; l < lambdas.size(); ++l) {
      const Vec p = (Pv * (c.array() / (d.array() + lambdas[l])).matrix()).array() + ym;
      pred(valid[f], static_cast<Eigen::Index>(l)) = p;
    }
  }
  return pred;
}

// Dual: everything from the Gram matrix G = X X^T of all rows. For a training set t with row means
// r = G_tt 1 / n_t and s = 1^T G_tt 1 / n_t^2, the centred Gram is G_tt - r 1^T - 1 r^T + s, and
// a validation row v against it is G_vt - q 1^T - 1 r^T + s with q = G_vt 1 / n_t.
Mat cv_dual(const Mat& G, const Vec& y, const std::vector<Idx>& train, const std::vector<Idx>& valid,
            const std::vector<double>& lambdas) {
  Mat pred(G.rows(), static_cast<Eigen::Index>(lambdas.size()));
  for (size_t f = 0; f < train.size(); ++f) {
    const Mat Gtt = G(train[f], train[f]);
    const Mat Gvt = G(valid[f], train[f]);
    const double nt = static_cast<double>(train[f].size());
    const Vec r = Gtt.rowwise().sum() / nt;
    const double s = r.sum() / nt;
    const Vec q = Gvt.rowwise().sum() / nt;
    Mat K = Gtt;
    K.colwise() -= r;
    K.rowwise() -= r.transpose();
    K.array() += s;
    Mat Kv = Gvt;
    Kv.colwise() -= q;
    Kv.rowwise() -= r.transpose();
    Kv.array() += s;
    const Vec yt = y(train[f]);
    const double ym = yt.mean();
    Eigen::SelfAdjointEigenSolver<Mat> eig(K);
    const Vec c = eig.eigenvectors().transpose() * (yt.array() - ym).matrix();
    const Mat Pv = Kv * eig.eigenvectors();
    const Vec d = eig.eigenvalues().cwiseMax(0.0);
    for (size_t l = 0; l < lambdas.size(); ++l) {
      const Vec p = (Pv * (c.array() / (d.array() + lambdas[l])).matrix()).array() + ym;
      pred(valid[f], static_cast<Eigen::Index>(l)) = p;
    }
  }
  return pred;
}

// Fold assignment (shuffled, sizes differing by at most one), the lambda choice and the final fit;
// XType is a dense or a sparse row-major matrix.
template <class XType>
RidgeFit fit(const XType& X, const Vec& y, const RidgeOptions& o) {
  const Eigen::Index n = X.rows(), p = X.cols();
  std::vector<Eigen::Index> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  util::Rng rng(o.seed);
  util::shuffle(perm, rng);
  std::vector<Idx> train(o.folds), valid(o.folds);
  for (Eigen::Index k = 0; k < n; ++k) {
    const size_t f = static_cast<size_t>(k % o.folds);
    for (int g = 0; g < o.folds; ++g) (static_cast<size_t>(g) == f ? valid : train)[g].push_back(perm[k]);
  }
  for (auto& t : train) std::sort(t.begin(), t.end());
  for (auto& v : valid) std::sort(v.begin(), v.end());

  RidgeFit out;
  out.dual = o.form == RidgeOptions::Form::Dual || (o.form == RidgeOptions::Form::Automatic && p > n);
  Mat G, Xd;
  Mat pred;
  if (out.dual) {
    G = Mat(X * X.transpose());
    pred = cv_dual(G, y, train, valid, o.lambdas);
  } else {
    Xd = Mat(X);
    pred = cv_primal(Xd, y, train, valid, o.lambdas);
  }
  size_t best = 0;
  for (size_t l = 0; l < o.lambdas.size(); ++l) {
    const double e = std::sqrt((pred.col(static_cast<Eigen::Index>(l)) - y).squaredNorm() / static_cast<double>(n));
    out.cv_rmse_per_lambda.push_back(e);
    if (e < out.cv_rmse_per_lambda[best] ||
        (e == out.cv_rmse_per_lambda[best] && o.lambdas[l] > o.lambdas[best]))
      best = l;
  }
  out.lambda = o.lambdas[best];
  out.cv_rmse = out.cv_rmse_per_lambda[best];
  out.cv_predictions = pred.col(static_cast<Eigen::Index>(best));

  const double ym = y.mean();
  const Vec yc = y.array() - ym;
  const Vec m = Vec(X.transpose() * Vec::Ones(n)) / static_cast<double>(n);
  if (out.dual) {
    const Vec r = G.rowwise().sum() / static_cast<double>(n);
    const double s = r.sum() / static_cast<double>(n);
    Mat K = G;
    K.colwise() -= r;
    K.rowwise() -= r.transpose();
    K.array() += s;
    K.diagonal().array() += out.lambda;
    const Vec alpha = K.ldlt().solve(yc);
    out.weights = Vec(X.transpose() * alpha) - m * alpha.sum();
  } else {
    const Mat Xc = Xd.rowwise() - m.transpose();
    Mat A = Xc.transpose() * Xc;
    A.diagonal().array() += out.lambda;
    out.weights = A.ldlt().solve(Xc.transpose() * yc);
  }
  out.intercept = ym - m.dot(out.weights);
  return out;
}

}  // namespace

RidgeFit fit_ridge(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const RidgeOptions& options) {
  check(X.rows(), X.cols(), y, options, X.allFinite());
  return fit(X, y, options);
}

RidgeFit fit_ridge(const Eigen::SparseMatrix<double, Eigen::RowMajor>& X, const Eigen::VectorXd& y,
                   const RidgeOptions& options) {
  bool finite = true;
  for (Eigen::Index k = 0; k < X.nonZeros(); ++k) finite = finite && std::isfinite(X.valuePtr()[k]);
  check(X.rows(), X.cols(), y, options, finite);
  return fit(X, y, options);
}

}  // namespace iqnas::predictor
