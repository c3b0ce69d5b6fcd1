// The paper's bilinear accuracy predictor, built from one-at-a-time measurements without any
// fitting: ACC = A_base + sum over active blocks of Delta(stage, block, config) + sum over stages
// of Delta(stage, depth), every Delta a measured accuracy difference (predictor/contributions.h).
//
// Variant `paper` (the paper's and the reference code's): every Delta is measured accuracy minus
// A_base. Variant `conditional`: a block measured at a fixed depth d is taken relative to the
// measurement of depth d alone, so that the depth's own effect is not counted once per block.
#pragma once
#include <string>
#include <vector>

#include "predictor/accuracy_predictor.h"
#include "predictor/contributions.h"

namespace iqnas::predictor {

struct Estimate {
  double mean = 0, se = 0;  // standard error over passes (0 with one pass)
};

class ContributionPredictor : public AccuracyPredictor {
 public:
  enum class Variant { Paper, Conditional };
  static Variant parse_variant(const std::string& name);  // "paper" | "conditional"

  ContributionPredictor(const SearchSpace& s, Variant v);
  // From a complete measurement state; throws when a measurement is missing.
  static ContributionPredictor from_measurements(const SearchSpace& s, const ContribState& st, Variant v);
  static ContributionPredictor from_json(const SearchSpace& s, const std::string& text, const std::string& source);

  std::string kind() const override { return "contributions"; }
  double predict(const Architecture& a) const override;
  std::optional<solver::Expression> objective() const override;
  std::string to_json() const override;

  const SearchSpace& space() const { return space_; }
  Variant variant() const { return variant_; }
  Estimate base;
  std::vector<std::vector<std::vector<Estimate>>> block;  // [stage][block][config]
  std::vector<std::vector<Estimate>> depth;               // [stage][depth index]

 private:
  SearchSpace space_;
  Variant variant_;
};

}  // namespace iqnas::predictor
