// The method on a measured benchmark table, without a supernet (docs/tabular.md).
//
// The table lists architectures (as one-hot selections) with their accuracy and cost. The search
// may "measure" only `samples` rows: it reads their accuracy and cost and nothing else. It fits an
// accuracy and a cost predictor of the bilinear form (linear in every option plus products of
// options of every group pair, ridge with cross-validated regularisation), and solves the integer
// program "maximise the fitted accuracy subject to fitted cost <= budget - margin" exactly.
//   mode fit:     measure `samples` random rows, fit once, return the solver's pick.
//   mode active:  measure half at random, then repeatedly refit and measure the solver's picks
//                 (picks_per_fit of them per fit);
//                 when that row is measured already, solve again with the budget just below its
//                 fitted cost (walking down the fitted front) until an unmeasured row comes up.
//                 The margin alternates between the calibrated one and none, so that picks land
//                 on both sides of the budget. Return the best measured row whose measured cost
//                 meets the budget.
//   A pick that is not a row of the table (a sparse table) is skipped the same way.
//   margin calibrated: the margin is the 90% quantile of the cost fit's out-of-fold residuals
//                 (measured minus predicted; 0 when negative). none: no margin.
// The true values of unmeasured rows enter only the report (true best under the budget, regret,
// rank quality of the predictors over the whole table).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "predictor/ridge.h"
#include "predictor/tabular_encoding.h"
#include "predictor/tabular_table.h"
#include "solver/problem.h"

namespace iqnas::predictor {

struct TabularData {
  std::vector<solver::Group> groups;
  std::vector<std::string> arch;
  std::vector<std::vector<int>> selection;
  std::vector<double> accuracy, cost;
};

// Encodes every row's architecture and reads the two numeric columns. Throws std::invalid_argument
// naming the file, row and column: an unknown column, an architecture the encoding refuses, a
// non-numeric cell, the same architecture on two rows.
TabularData load_tabular(const CsvTable& table, const ArchEncoding& encoding, const std::string& arch_column,
                         const std::string& accuracy_column, const std::string& cost_column);

struct TabularOptions {
  double budget = 0.0;
  int samples = 200;          // rows the method may measure, at least 10, at most the table
  uint64_t seed = 0;
  enum class Mode { Fit, Active } mode = Mode::Active;
  enum class Margin { Calibrated, None } margin = Margin::Calibrated;
  double margin_quantile = 0.9;
  double initial_fraction = 0.5;  // active: share of the samples measured at random first
  int picks_per_fit = 4;          // active: rows measured between two refits
  // Measured accuracies below this quantile of the measured ones are raised to it before the
  // accuracy fit (0: off): the search needs the top of the ranking, and the few collapsed cells
  // (10% on CIFAR-10) would otherwise bend the quadratic towards them.
  double floor_quantile = 0.5;
  bool rank_quality = true;       // report Kendall/Spearman of the final predictors over the table
};

struct FitSummary {
  double lambda = 0, cv_rmse = 0;
  double kendall_tau = 0, spearman = 0;  // against the whole table (NaN when not computed)
};

struct TabularResult {
  bool feasible = false;     // the method returned an architecture
  std::string message;       // why not, or a note
  int row = -1;              // chosen row (0-based)
  std::vector<int> selection;
  std::string arch;
  double predicted_accuracy = 0, predicted_cost = 0, true_accuracy = 0, true_cost = 0;
  bool meets_budget = false;  // true cost <= budget
  double solve_budget = 0;    // budget - margin of the last solve
  double margin = 0;
  int measured = 0;
  int solves = 0;
  double solve_seconds = 0;   // total time in solver::solve
  FitSummary accuracy_fit, cost_fit;
  // Report only: the best true accuracy over the whole table under the budget (-1 row: none).
  int best_row = -1;
  double best_accuracy = 0;
  double regret = 0;          // best_accuracy - true_accuracy
};

// Throws std::invalid_argument for samples out of range or a non-finite budget.
TabularResult tabular_search(const TabularData& data, const TabularOptions& options);

}  // namespace iqnas::predictor
