#include "experiments/random_comparison.h"

#include <algorithm>

#include "experiments/result_files.h"

namespace iqnas::cli {

RandomComparison compare_with_random(double budget, double found, std::vector<double> fitting) {
  RandomComparison c;
  c.budget = budget, c.found = found, c.fit = fitting.size();
  if (fitting.empty()) return c;
  std::sort(fitting.begin(), fitting.end());
  c.median = median(fitting);
  c.best = fitting.back();
  const auto below = std::lower_bound(fitting.begin(), fitting.end(), found) - fitting.begin();
  c.below_pct = 100.0 * double(below) / double(fitting.size());
  return c;
}

std::string random_comparison_row(const RandomComparison& c) {
  return "| " + format_value("%.4g", c.budget) + " | " + format_value("%.2f", c.found) + " | " + std::to_string(c.fit) + " | " +
         format_value("%.2f", c.median) + " | " + format_value("%.2f", c.best) + " | " +
         (c.fit ? format_value("%.1f", c.below_pct) + "%" : "-") + " |\n";
}

std::string random_comparison_summary(const std::vector<RandomComparison>& rows) {
  std::string none;
  int empty = 0, compared = 0, better = 0;
  for (const auto& c : rows) {
    if (c.fit == 0) {
      none += (empty++ ? ", " : "") + format_value("%.4g", c.budget);
      continue;
    }
    ++compared, better += c.random_better();
  }
  std::string s;
  if (empty > 0)
    s += "No random sub-network fits the budget" + std::string(empty > 1 ? "s " : " ") + none +
         ": nothing to compare with there, so " + (empty > 1 ? "they are" : "it is") + " left out of the count.\n\n";
  if (better > 0)
    s += "At " + std::to_string(better) + " of " + std::to_string(compared) +
         " budgets a random sub-network that fits the budget measures better than the found one. The found one is "
         "the predictor's proven optimum, so the difference is the predictor's error (its rank quality below), not "
         "the solver's.\n\n";
  else if (compared > 0)
    s += "At each of the " + std::to_string(compared) +
         " budgets the found network measures at least as well as every random sub-network that fits it.\n\n";
  return s;
}

}  // namespace iqnas::cli
