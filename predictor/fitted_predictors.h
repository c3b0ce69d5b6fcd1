// The fitted rivals of the contribution predictor (docs/predictor.md), each trained on measured
// sub-networks (predictor/subnet_samples.h) and charged that many evaluations:
//   ridge  - the bilinear form (every alpha x beta pair, across stages, as the reference's dense
//            bilinear) or the full quadratic form (every pair of groups) over the one-hot
//            encoding, by ridge least squares with the regularisation chosen by cross-validation;
//            both are rows of the integer program, so the exact solver can search with them;
//   mlp    - a multilayer perceptron on the one-hot encoding (the reference: 3 hidden layers of
//            500), trained with nn/; not a program row (search it with predictor/evo_search.h).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "predictor/accuracy_predictor.h"
#include "predictor/onehot_features.h"
#include "predictor/ridge.h"
#include "predictor/subnet_samples.h"

namespace iqnas::predictor {

class RidgePredictor : public AccuracyPredictor {
 public:
  enum class Form { Bilinear, Quadratic };
  static Form parse_form(const std::string& name);  // "bilinear" | "quadratic"
  static const char* form_name(Form f);

  static RidgePredictor fit(const SearchSpace& s, Form form, const std::vector<SubnetSample>& train,
                            const RidgeOptions& options = {});
  static RidgePredictor from_json(const SearchSpace& s, const std::string& text, const std::string& source);

  std::string kind() const override { return "ridge"; }
  double predict(const Architecture& a) const override;
  std::optional<solver::Expression> objective() const override;
  std::string to_json() const override;

  Form form() const { return form_; }
  double lambda() const { return lambda_; }
  int samples() const { return samples_; }

 private:
  RidgePredictor(const SearchSpace& s, Form f);
  SearchSpace space_;
  Form form_;
  OneHotFeatures features_;
  double intercept_ = 0, lambda_ = 0;
  int samples_ = 0;
  Eigen::VectorXd weights_;
};

struct MlpOptions {
  int hidden = 500, layers = 3;
  int epochs = 200;
  int64_t batch_size = 64;
  double lr = 0.01, weight_decay = 1e-4;
  uint64_t seed = 0;
};

class MlpPredictor : public AccuracyPredictor {
 public:
  static MlpPredictor fit(const SearchSpace& s, const std::vector<SubnetSample>& train, const MlpOptions& options = {});
  static MlpPredictor from_json(const SearchSpace& s, const std::string& text, const std::string& source);

  std::string kind() const override { return "mlp"; }
  double predict(const Architecture& a) const override;
  std::optional<solver::Expression> objective() const override { return std::nullopt; }
  std::string to_json() const override;
  int samples() const { return samples_; }

 private:
  explicit MlpPredictor(const SearchSpace& s) : space_(s) {}
  SearchSpace space_;
  std::vector<Eigen::MatrixXd> w_;  // [out, in] per layer
  std::vector<Eigen::VectorXd> b_;
  double y_mean_ = 0, y_scale_ = 1;
  int samples_ = 0;
};

// The one-hot encoding of an architecture (the alpha then beta vectors) as a dense vector.
Eigen::VectorXd onehot_vector(const SearchSpace& s, const Architecture& a);

}  // namespace iqnas::predictor
