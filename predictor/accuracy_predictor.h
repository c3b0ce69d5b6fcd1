// Accuracy predictors of a search space behind one interface, and the one table of predictor
// kinds (name -> loader) that `load_predictor` and the commands use. A predictor predicts top-1
// accuracy in percent; the ones of bilinear or quadratic form also give that prediction as the
// objective row of the integer program (over predictor::space_groups), which the exact solver needs.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "solver/problem.h"
#include "supernet/arch.h"

namespace iqnas::util {
class JsonObject;
}

namespace iqnas::predictor {

class AccuracyPredictor {
 public:
  virtual ~AccuracyPredictor() = default;
  virtual std::string kind() const = 0;
  virtual double predict(const Architecture& a) const = 0;
  // The prediction as an IQP row, or nothing when it has no such form (an MLP).
  virtual std::optional<solver::Expression> objective() const = 0;
  // JSON text with "format", "kind" and "space" fields (docs/predictor.md).
  virtual std::string to_json() const = 0;
};

struct PredictorKind {
  const char* name;
  const char* summary;
  // Parses the JSON text of a predictor of this kind; errors name `source`.
  std::unique_ptr<AccuracyPredictor> (*load)(const SearchSpace& s, const std::string& text, const std::string& source);
};
const std::vector<PredictorKind>& predictor_kinds();

// Reads the header of a predictor document (format, space, kind), refusing another format or a
// predictor of another space; returns the kind. The kinds' readers call it too, then read their
// body from the same object and finish() it.
std::string read_predictor_header(util::JsonObject& top, const SearchSpace& s);
// The same, refusing a document of another kind.
void read_predictor_header(util::JsonObject& top, const SearchSpace& s, const std::string& kind);

// Reads a predictor file of any kind, refusing one made for another space.
std::unique_ptr<AccuracyPredictor> load_predictor(const SearchSpace& s, const std::string& path);
void save_predictor(const AccuracyPredictor& p, const std::string& path);  // atomic

}  // namespace iqnas::predictor
