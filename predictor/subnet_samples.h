// Random sub-networks as ground truth for the predictors: uniformly drawn architectures (every
// block's configuration and every stage's depth uniform, seeded) and their measured accuracy with
// weights inherited from the supernet, kept in a CSV that a resumed run extends (docs/predictor.md).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "supernet/arch.h"

namespace iqnas::predictor {

struct SubnetSample {
  Architecture arch;
  double accuracy = 0;              // percent, inherited running BN statistics
  double accuracy_recalibrated = -1;  // percent after BN recalibration; -1 when not measured
};

// The first `count` architectures of the seeded uniform sequence (a longer run extends a shorter one).
std::vector<Architecture> draw_architectures(const SearchSpace& s, int count, uint64_t seed);

// CSV: index,selection,depths,accuracy,accuracy_recalibrated; `selection` is the option index of
// every IQP group (predictor::space_groups) joined by '-'.
std::string samples_to_csv(const SearchSpace& s, const std::vector<SubnetSample>& v);
std::vector<SubnetSample> samples_from_csv(const SearchSpace& s, const std::string& text, const std::string& source);

}  // namespace iqnas::predictor
