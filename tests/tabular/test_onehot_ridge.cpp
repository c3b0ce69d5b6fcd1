#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "util/rng.h"
#include "predictor/onehot_features.h"
#include "predictor/ridge.h"
#include "solver/problem.h"

using namespace iqnas;
using namespace iqnas::predictor;

namespace {

// Every selection of a space with these group sizes (mixed radix, group 0 fastest).
std::vector<std::vector<int>> all_selections(const std::vector<int>& sizes) {
  std::vector<std::vector<int>> out;
  std::vector<int> s(sizes.size(), 0);
  while (true) {
    out.push_back(s);
    size_t g = 0;
    while (g < sizes.size() && ++s[g] == sizes[g]) s[g++] = 0;
    if (g == sizes.size()) return out;
  }
}

solver::Problem problem_for(const std::vector<int>& sizes) {
  solver::Problem p;
  for (size_t g = 0; g < sizes.size(); ++g) {
    solver::Group grp{"g" + std::to_string(g), {}};
    for (int o = 0; o < sizes[g]; ++o) grp.options.push_back(std::to_string(o));
    p.groups.push_back(grp);
  }
  return p;
}

// A planted quadratic: random option values and random products on the listed pairs.
struct Planted {
  OneHotFeatures f;
  double intercept;
  Eigen::VectorXd w;
  double operator()(const std::vector<int>& s) const { return f.predict(intercept, w, s); }
};

Planted planted(const std::vector<int>& sizes, std::vector<GroupPair> pairs, uint64_t seed) {
  OneHotFeatures f(sizes, std::move(pairs));
  iqnas::util::Rng rng(seed);
  Eigen::VectorXd w(f.size());
  for (int i = 0; i < f.size(); ++i) w[i] = rng.normal();
  return {f, 3.0, w};
}

}  // namespace

TEST(OneHotFeatures, LayoutAndSize) {
  const OneHotFeatures f({3, 2, 4}, OneHotFeatures::all_pairs(3));
  EXPECT_EQ(f.num_options(), 9);
  EXPECT_EQ(f.size(), 9 + 3 * 2 + 3 * 4 + 2 * 4);
  EXPECT_EQ(f.var(2, 1), 6);
  // Selection (2, 1, 3): options 2, 4, 8; pair (0,1) -> 9 + 2*2+1; pair (0,2) -> 15 + 2*4+3;
  // pair (1,2) -> 27 + 1*4+3.
  const std::vector<int> expected{2, 4, 8, 14, 26, 34};
  EXPECT_EQ(f.active({2, 1, 3}), expected);
  const Eigen::VectorXd x = f.dense({2, 1, 3});
  EXPECT_EQ(x.sum(), 6.0);
  EXPECT_EQ(x[26], 1.0);
  const auto S = f.sparse_matrix({{2, 1, 3}, {0, 0, 0}});
  EXPECT_TRUE(Eigen::MatrixXd(S).isApprox(f.matrix({{2, 1, 3}, {0, 0, 0}})));
}

TEST(OneHotFeatures, PairHelpers) {
  const std::vector<GroupPair> all{{0, 1}, {0, 2}, {1, 2}};
  EXPECT_EQ(OneHotFeatures::all_pairs(3), all);
  // Overlapping sets: (1, 2) reachable both ways is listed once; (2, 2) is skipped.
  const std::vector<GroupPair> between{{0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};
  EXPECT_EQ(OneHotFeatures::pairs_between({0, 1, 2}, {2, 3}), between);
  EXPECT_EQ(OneHotFeatures::pairs_between({1, 2}, {1, 2}), (std::vector<GroupPair>{{1, 2}}));
}

TEST(OneHotFeatures, BadInput) {
  EXPECT_THROW(OneHotFeatures({}, {}), std::invalid_argument);
  EXPECT_THROW(OneHotFeatures({2, 0}, {}), std::invalid_argument);
  EXPECT_THROW(OneHotFeatures({2, 2}, {{0, 0}}), std::invalid_argument);
  EXPECT_THROW(OneHotFeatures({2, 2}, {{0, 2}}), std::invalid_argument);
  EXPECT_THROW(OneHotFeatures({2, 2}, {{0, 1}, {1, 0}}), std::invalid_argument);
  const OneHotFeatures f({2, 3}, {{0, 1}});
  EXPECT_THROW(f.active({0}), std::invalid_argument);
  EXPECT_THROW(f.active({0, 3}), std::invalid_argument);
  EXPECT_THROW(f.to_expression(0, Eigen::VectorXd::Zero(3)), std::invalid_argument);
}

// The solver row equals the model at every selection, for a subset of pairs in either order.
TEST(OneHotFeatures, ExpressionEqualsModelEverywhere) {
  const std::vector<int> sizes{3, 2, 4, 3};
  const Planted m = planted(sizes, {{2, 0}, {1, 3}, {3, 2}}, 11);
  solver::Problem p = problem_for(sizes);
  p.objective = m.f.to_expression(m.intercept, m.w);
  p.validate();
  EXPECT_EQ(p.objective.bilinear.size(), static_cast<size_t>(3 * 4 + 2 * 3 + 3 * 4));
  for (const auto& s : all_selections(sizes)) ASSERT_NEAR(p.objective_value(s), m(s), 1e-12);
}

TEST(Ridge, LogGrid) {
  const auto g = log_grid(1e-2, 1e2, 5);
  ASSERT_EQ(g.size(), 5u);
  EXPECT_NEAR(g[0], 1e-2, 1e-15);
  EXPECT_NEAR(g[2], 1.0, 1e-12);
  EXPECT_NEAR(g[4], 1e2, 1e-10);
  EXPECT_THROW(log_grid(0, 1, 3), std::invalid_argument);
}

// A noise-free quadratic over 6 groups of 4 options (264 features, 154 free parameters): 220
// samples (fewer than the features: the dual) recover it at every one of the 4,096 selections,
// and cross-validation picks a small lambda.
TEST(Ridge, RecoversPlantedQuadraticInTheDual) {
  const std::vector<int> sizes(6, 4);
  const Planted m = planted(sizes, OneHotFeatures::all_pairs(6), 5);
  iqnas::util::Rng rng(1);
  std::vector<std::vector<int>> train;
  for (int k = 0; k < 220; ++k) {
    std::vector<int> s(6);
    for (int& v : s) v = static_cast<int>(rng.below(4));
    train.push_back(s);
  }
  Eigen::VectorXd y(220);
  for (int k = 0; k < 220; ++k) y[k] = m(train[k]);
  const RidgeFit fit = fit_ridge(m.f.sparse_matrix(train), y);
  EXPECT_TRUE(fit.dual);
  EXPECT_LE(fit.lambda, 1e-3);
  EXPECT_LT(fit.cv_rmse, 0.05);
  double worst = 0;
  for (const auto& s : all_selections(sizes)) worst = std::max(worst, std::abs(fit.predict(m.f.dense(s)) - m(s)));
  EXPECT_LT(worst, 0.05);
  // The dense overload is the same fit.
  const RidgeFit dense = fit_ridge(m.f.matrix(train), y);
  EXPECT_NEAR((dense.weights - fit.weights).norm(), 0.0, 1e-8);
  EXPECT_NEAR(dense.intercept, fit.intercept, 1e-8);
}

// Primal and dual solve the same problem: same out-of-fold errors, weights and intercept.
TEST(Ridge, PrimalEqualsDual) {
  iqnas::util::Rng rng(2);
  Eigen::MatrixXd X(40, 12);
  Eigen::VectorXd y(40);
  for (int i = 0; i < 40; ++i) {
    for (int j = 0; j < 12; ++j) X(i, j) = rng.normal() + 2.0;  // not centred: the intercept matters
    y[i] = 1.0 + X(i, 0) - 2.0 * X(i, 3) + 0.3 * rng.normal();
  }
  RidgeOptions o;
  o.form = RidgeOptions::Form::Primal;
  const RidgeFit p = fit_ridge(X, y, o);
  o.form = RidgeOptions::Form::Dual;
  const RidgeFit d = fit_ridge(X, y, o);
  EXPECT_FALSE(p.dual);
  EXPECT_TRUE(d.dual);
  EXPECT_EQ(p.lambda, d.lambda);
  for (size_t l = 0; l < p.cv_rmse_per_lambda.size(); ++l)
    EXPECT_NEAR(p.cv_rmse_per_lambda[l], d.cv_rmse_per_lambda[l], 1e-8);
  EXPECT_NEAR((p.weights - d.weights).norm(), 0.0, 1e-8);
  EXPECT_NEAR(p.intercept, d.intercept, 1e-8);
  // The fit minimises the penalised loss: its gradient vanishes.
  const Eigen::VectorXd r = y - (X * p.weights).array().matrix() - Eigen::VectorXd::Constant(40, p.intercept);
  EXPECT_NEAR(r.sum(), 0.0, 1e-8);
  EXPECT_NEAR((X.transpose() * r - p.lambda * p.weights).norm(), 0.0, 1e-7);
}

// With noise, cross-validation regularises: lambda grows with the noise, and out-of-fold
// predictions are worse than in-sample ones.
TEST(Ridge, CrossValidationRegularisesNoise) {
  const std::vector<int> sizes(5, 3);
  const Planted m = planted(sizes, OneHotFeatures::all_pairs(5), 9);
  const auto sel = all_selections(sizes);  // 243
  iqnas::util::Rng rng(4);
  Eigen::VectorXd clean(static_cast<Eigen::Index>(sel.size())), noisy = clean;
  for (size_t k = 0; k < sel.size(); ++k) {
    clean[static_cast<Eigen::Index>(k)] = m(sel[k]);
    noisy[static_cast<Eigen::Index>(k)] = m(sel[k]) + 3.0 * rng.normal();
  }
  const auto X = m.f.sparse_matrix(sel);
  const RidgeFit a = fit_ridge(X, clean), b = fit_ridge(X, noisy);
  EXPECT_LT(a.lambda, b.lambda);
  EXPECT_GT(b.lambda, 1.0);
  EXPECT_GT(b.cv_rmse, 2.0);
  ASSERT_EQ(b.cv_predictions.size(), noisy.size());
  EXPECT_NEAR(std::sqrt((b.cv_predictions - noisy).squaredNorm() / noisy.size()), b.cv_rmse, 1e-12);
}

TEST(Ridge, BadInput) {
  Eigen::MatrixXd X = Eigen::MatrixXd::Ones(6, 2);
  Eigen::VectorXd y = Eigen::VectorXd::Ones(6);
  EXPECT_THROW(fit_ridge(X, Eigen::VectorXd::Ones(5)), std::invalid_argument);
  RidgeOptions o;
  o.folds = 7;
  EXPECT_THROW(fit_ridge(X, y, o), std::invalid_argument);
  o.folds = 1;
  EXPECT_THROW(fit_ridge(X, y, o), std::invalid_argument);
  o = RidgeOptions{};
  o.lambdas = {1.0, 0.0};
  EXPECT_THROW(fit_ridge(X, y, o), std::invalid_argument);
  X(2, 1) = NAN;
  EXPECT_THROW(fit_ridge(X, y), std::invalid_argument);
}
