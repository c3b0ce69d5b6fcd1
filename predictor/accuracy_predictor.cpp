#include "predictor/accuracy_predictor.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "predictor/contribution_predictor.h"
#include "predictor/fitted_predictors.h"
#include "util/atomic_file.h"

namespace iqnas::predictor {

namespace {
std::unique_ptr<AccuracyPredictor> load_contributions(const SearchSpace& s, const std::string& text,
                                                      const std::string& source) {
  return std::make_unique<ContributionPredictor>(ContributionPredictor::from_json(s, text, source));
}
std::unique_ptr<AccuracyPredictor> load_ridge(const SearchSpace& s, const std::string& text, const std::string& source) {
  return std::make_unique<RidgePredictor>(RidgePredictor::from_json(s, text, source));
}
std::unique_ptr<AccuracyPredictor> load_mlp(const SearchSpace& s, const std::string& text, const std::string& source) {
  return std::make_unique<MlpPredictor>(MlpPredictor::from_json(s, text, source));
}
}  // namespace

// The one list of predictor kinds: a new predictor adds its line here.
const std::vector<PredictorKind>& predictor_kinds() {
  static const std::vector<PredictorKind> kinds{
      {"contributions", "bilinear, from one-at-a-time accuracy measurements (the paper's)", load_contributions},
      {"ridge", "bilinear or quadratic form fitted by ridge least squares on measured sub-networks", load_ridge},
      {"mlp", "multilayer perceptron on the one-hot encoding, fitted on measured sub-networks", load_mlp},
  };
  return kinds;
}

std::unique_ptr<AccuracyPredictor> load_predictor(const SearchSpace& s, const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::invalid_argument(path + ": cannot open the predictor file");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(path + ": not valid JSON: " + e.what());
  }
  if (!j.is_object() || !j.contains("format") || j["format"] != "iqnas-predictor-1")
    throw std::invalid_argument(path + ": not an iqnas predictor file (format iqnas-predictor-1)");
  if (!j.contains("space") || j["space"] != s.name)
    throw std::invalid_argument(path + ": a predictor for space '" + j.value("space", std::string("?")) + "', not '" +
                                s.name + "'");
  const std::string kind = j.value("kind", std::string());
  for (const PredictorKind& k : predictor_kinds())
    if (kind == k.name) return k.load(s, text, path);
  std::string known;
  for (const PredictorKind& k : predictor_kinds()) known += std::string(known.empty() ? "" : ", ") + k.name;
  throw std::invalid_argument(path + ": unknown predictor kind '" + kind + "' (known: " + known + ")");
}

void save_predictor(const AccuracyPredictor& p, const std::string& path) { write_file_atomic(path, p.to_json()); }

}  // namespace iqnas::predictor
