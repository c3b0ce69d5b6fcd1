// The report's comparison of each found network with the random sub-networks of sample-eval that
// fit the same budget (report.md, "Against random sub-networks"): did the search beat drawing at
// random? Pure computations on the measured values, so that they are tested without a run folder.
#pragma once
#include <cmath>
#include <string>
#include <vector>

namespace iqnas::cli {

struct RandomComparison {
  double budget = 0, found = 0;  // the budget and the found network's measured value
  size_t fit = 0;                // random sub-networks within the budget
  double median = NAN, best = NAN, below_pct = NAN;  // of those: NaN when none fits
  bool random_better() const { return fit > 0 && best > found; }
};

// `fitting`: the measured values of the random sub-networks that fit `budget`.
RandomComparison compare_with_random(double budget, double found, std::vector<double> fitting);
// The table row: budget | found | random within budget | their median | their best | share below.
std::string random_comparison_row(const RandomComparison& c);
// What the rows say: the budgets no random sub-network fits (nothing to compare there, left out of
// the count), and at how many of the others a random one measures better than the found one.
std::string random_comparison_summary(const std::vector<RandomComparison>& rows);

}  // namespace iqnas::cli
