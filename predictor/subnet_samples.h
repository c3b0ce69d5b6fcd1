// Random sub-networks as ground truth for the predictors: uniformly drawn architectures (every
// block's configuration and every stage's depth uniform, seeded) and their measured accuracy with
// weights inherited from the supernet, kept in a CSV that a resumed run extends (docs/predictor.md).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "predictor/eval_set.h"
#include "supernet/arch.h"

namespace iqnas::predictor {

struct SubnetSample {
  Architecture arch;
  double accuracy = 0;                // the file's metric (top-1 percent by default), inherited running BN statistics, when has_inherited
  double accuracy_recalibrated = 0;   // the same after BN recalibration, when has_recalibrated
  bool has_inherited = true;          // false: measured after recalibration only (sample-eval --columns recalibrated)
  bool has_recalibrated = false;
};

// The first `count` architectures of the seeded uniform sequence (a longer run extends a shorter one).
std::vector<Architecture> draw_architectures(const SearchSpace& s, int count, uint64_t seed);

// CSV: index,selection,depths,accuracy,accuracy_recalibrated; `selection` is the option index of
// every IQP group (predictor::space_groups) joined by '-'. With the LogProb metric the last two
// columns are named logprob,logprob_recalibrated (mean log-probability of the true class), so a
// file says what it measured; samples_from_csv returns it in `metric` when given. A column not
// measured is an empty cell; a row holds at least one of the two.
std::string samples_to_csv(const SearchSpace& s, const std::vector<SubnetSample>& v, Metric metric = Metric::Top1);
std::vector<SubnetSample> samples_from_csv(const SearchSpace& s, const std::string& text, const std::string& source,
                                           Metric* metric = nullptr);

}  // namespace iqnas::predictor
