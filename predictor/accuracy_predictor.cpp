#include "predictor/accuracy_predictor.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "predictor/contribution_predictor.h"
#include "predictor/fitted_predictors.h"
#include "util/atomic_file.h"
#include "util/json_reader.h"
#include "util/text_file.h"

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

std::string read_predictor_header(util::JsonObject& top, const SearchSpace& s) {
  if (!top.has("format") || top.get_string("format") != "iqnas-predictor-1")
    top.fail("not an iqnas predictor file (format iqnas-predictor-1)");
  const std::string space = top.get_string("space");
  if (space != s.name) top.fail("a predictor for space '" + space + "', not '" + s.name + "'");
  return top.get_string("kind");
}

void read_predictor_header(util::JsonObject& top, const SearchSpace& s, const std::string& kind) {
  const std::string k = read_predictor_header(top, s);
  if (k != kind) top.fail("a predictor of kind '" + k + "', not '" + kind + "'");
}

std::unique_ptr<AccuracyPredictor> load_predictor(const SearchSpace& s, const std::string& path) {
  const std::string text = util::read_text_file(path, "the predictor file");
  const nlohmann::json j = util::parse_json(text, path);
  // The header only, without finish(): the kind's own reader takes the whole document.
  util::JsonObject top(j, "", path);
  const std::string kind = read_predictor_header(top, s);
  for (const PredictorKind& k : predictor_kinds())
    if (kind == k.name) return k.load(s, text, path);
  std::string known;
  for (const PredictorKind& k : predictor_kinds()) known += std::string(known.empty() ? "" : ", ") + k.name;
  top.fail("unknown predictor kind '" + kind + "' (known: " + known + ")");
}

void save_predictor(const AccuracyPredictor& p, const std::string& path) { write_file_atomic(path, p.to_json()); }

}  // namespace iqnas::predictor
