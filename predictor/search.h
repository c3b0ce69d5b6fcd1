// The search: the integer program that maximises a predictor's accuracy subject to resource
// budgets (METHOD section 7), built for a search space, solved, and read back as an architecture.
// Predictors with an objective row (contributions, ridge) go to any solver method; a predictor
// without one (the MLP) is searched by the evolutionary method with the predictor as its fitness.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "predictor/accuracy_predictor.h"
#include "predictor/latency_table.h"
#include "solver/solve.h"

namespace iqnas::predictor {

struct Budget {
  std::string resource;  // one of resource_names(): latency_ms, params_m, macs_m, memory_mb
  double max = 0;
};
// "latency_ms=40,params_m=5" -> budgets; throws std::invalid_argument naming the bad part.
std::vector<Budget> parse_budgets(const std::string& text);
std::string budget_tag(const std::vector<Budget>& b);  // "latency_ms-40_params_m-5"

// Objective: the predictor's row (empty for a predictor without one); constraints: every budget
// (predictor/resources.h), `table` needed for latency_ms.
solver::Problem search_problem(const SearchSpace& s, const AccuracyPredictor& p, const std::vector<Budget>& budgets,
                               const LatencyTable* table);

struct SearchOutcome {
  solver::Result result;
  bool found = false;                        // false when infeasible
  Architecture arch;
  double predicted_accuracy = 0;
  std::map<std::string, double> resources;   // every resource the space can count (latency with a table)
};
SearchOutcome run_search(const SearchSpace& s, const AccuracyPredictor& p, const std::vector<Budget>& budgets,
                         const LatencyTable* table, const solver::SolveOptions& options);

// JSON of an outcome: the architecture, its predicted accuracy and resources, the budgets and the
// solver's result (status, objective, proven bound, time, method statistics).
std::string search_outcome_json(const SearchSpace& s, const std::vector<Budget>& budgets, const SearchOutcome& o);

}  // namespace iqnas::predictor
