// The fitted rivals: ridge (bilinear / quadratic forms) and the MLP, on planted functions.
#include <gtest/gtest.h>

#include <numeric>

#include "predictor/encoding.h"
#include "predictor/fitted_predictors.h"
#include "predictor/rank_metrics.h"
#include "supernet/sampler.h"

using namespace iqnas;
using namespace iqnas::predictor;

namespace {
// A planted accuracy: additive block/depth terms plus one alpha x beta interaction per stage.
double planted(const SearchSpace& s, const Architecture& a) {
  double v = 70;
  for (size_t st = 0; st < s.stages.size(); ++st) {
    for (int b = 0; b < a.depths[st]; ++b) v += 0.3 * (st + 1) * (a.blocks[st][size_t(b)] % 4) - 0.2 * b;
    v += 0.8 * a.depths[st];
    if (a.depths[st] == s.stages[st].depths.back()) v += 0.5 * (a.blocks[st][0] % 3);  // cross term
  }
  return v;
}
std::vector<SubnetSample> samples(const SearchSpace& s, int n, uint64_t seed) {
  std::vector<SubnetSample> v;
  for (const Architecture& a : draw_architectures(s, n, seed)) v.push_back({a, planted(s, a), -1});
  return v;
}
std::vector<double> truth(const SearchSpace& s, const std::vector<SubnetSample>& v) {
  std::vector<double> t;
  for (const auto& x : v) t.push_back(x.accuracy);
  return t;
}
}  // namespace

TEST(RidgePredictor, RecoversAPlantedBilinearFunctionAndIsAProgramRow) {
  const SearchSpace s = find_space("tiny");
  const auto train = samples(s, 1000, 1), test = samples(s, 200, 2);
  const RidgePredictor p = RidgePredictor::fit(s, RidgePredictor::Form::Bilinear, train);
  std::vector<double> pred;
  for (const auto& x : test) pred.push_back(p.predict(x.arch));
  const std::vector<double> t = truth(s, test);
  const double mean = std::accumulate(t.begin(), t.end(), 0.0) / double(t.size());
  const double spread = rmse(t, std::vector<double>(t.size(), mean));  // error of the best constant
  EXPECT_LT(rmse(pred, t), 0.15 * spread) << "spread " << spread;
  EXPECT_GT(kendall_tau(pred, truth(s, test)), 0.9);
  solver::Problem prob;
  prob.groups = space_groups(s);
  prob.objective = *p.objective();
  for (const auto& x : test) EXPECT_NEAR(prob.objective_value(arch_to_selection(s, x.arch)), p.predict(x.arch), 1e-9);
  const RidgePredictor q = RidgePredictor::from_json(s, p.to_json(), "r.json");
  for (const auto& x : test) EXPECT_NEAR(q.predict(x.arch), p.predict(x.arch), 1e-9);
}

TEST(RidgePredictor, QuadraticFormFitsInTheDual) {
  const SearchSpace s = find_space("tiny");
  const auto train = samples(s, 300, 3), test = samples(s, 100, 4);
  const RidgePredictor p = RidgePredictor::fit(s, RidgePredictor::Form::Quadratic, train);
  std::vector<double> pred;
  for (const auto& x : test) pred.push_back(p.predict(x.arch));
  EXPECT_GT(kendall_tau(pred, truth(s, test)), 0.7);
  EXPECT_THROW(RidgePredictor::from_json(find_space("cifar"), p.to_json(), "r.json"), std::invalid_argument);
}

TEST(MlpPredictor, LearnsAPlantedFunctionAndRoundTrips) {
  const SearchSpace s = find_space("tiny");
  const auto train = samples(s, 400, 5), test = samples(s, 150, 6);
  MlpOptions o;
  o.hidden = 64, o.layers = 2, o.epochs = 60, o.lr = 0.02;
  const MlpPredictor p = MlpPredictor::fit(s, train, o);
  std::vector<double> pred, mean_pred;
  for (const auto& x : test) pred.push_back(p.predict(x.arch));
  EXPECT_GT(kendall_tau(pred, truth(s, test)), 0.6);
  EXPECT_FALSE(p.objective().has_value());
  const MlpPredictor q = MlpPredictor::from_json(s, p.to_json(), "m.json");
  for (const auto& x : test) EXPECT_NEAR(q.predict(x.arch), p.predict(x.arch), 1e-9);
}
