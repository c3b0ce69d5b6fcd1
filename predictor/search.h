// The search: the integer program that maximises a predictor's accuracy subject to resource
// budgets (METHOD section 7), built for a search space, solved, and read back as an architecture.
// Predictors with an objective row (contributions, ridge) go to any solver method; a predictor
// without one (the MLP) is searched by the evolutionary method with the predictor as its fitness.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "predictor/accuracy_predictor.h"
#include "predictor/latency_measure.h"
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

// One solve of search_within_measured: the latency budget given to the solver, and the network it
// found with its predicted and measured latency; `chosen`: the network returned. measured_ms is
// same_run_latency (predictor/measured_latency.h) of network_ms (the network's median) and
// same_run_table_ms (the sum of the table's entries timed in the same rounds).
struct MeasuredRound {
  double solver_budget_ms = 0, predicted_ms = 0, measured_ms = 0, predicted_accuracy = 0;
  double network_ms = 0, same_run_table_ms = 0;
  bool chosen = false;
};

struct SearchOutcome {
  solver::Result result;
  bool found = false;                        // false when infeasible
  Architecture arch;
  double predicted_accuracy = 0;
  std::map<std::string, double> resources;   // every resource the space can count (latency with a table)
  std::vector<MeasuredRound> measured_rounds;  // search_within_measured only
  bool measured_fits = false;                  // the returned network measured within the budget
};
SearchOutcome run_search(const SearchSpace& s, const AccuracyPredictor& p, const std::vector<Budget>& budgets,
                         const LatencyTable* table, const solver::SolveOptions& options);

// The search closed over end-to-end measurements (`iqnas search --fit-measured R`). The table
// predicts a whole network with an error, and the optimum sits on the budget by construction, in
// the networks whose blocks the table underestimates more than most: found networks measure above
// the budget more often than random ones. So the found network is measured; while it exceeds the
// latency budget, the program is solved again with the solver's latency budget set to
// budget * predicted / measured of the last network (below that network's prediction, so each
// round excludes it), up to `rounds` more solves. Returns the first network measured within the
// budget; when none is, the one that measured lowest (measured_fits false).
// `measure` times the network together with the table's entries in the same interleaved rounds
// (measure_same_run): the measurement is the network's ratio to the table at one speed of the
// machine, applied to the stored table (MeasuredRound), so that the machine's speed on the day the
// table was timed and at the moment of the search cannot differ between budget and measurement.
using MeasureLatency = std::function<SameRunPoint(const Architecture&)>;
SearchOutcome search_within_measured(const SearchSpace& s, const AccuracyPredictor& p, const std::vector<Budget>& budgets,
                                     const LatencyTable& table, const solver::SolveOptions& options,
                                     const MeasureLatency& measure, int rounds);

// JSON of an outcome: the architecture, its predicted accuracy and resources, the budgets, the
// solver's result (status, objective, proven bound, time, method statistics) and, after
// search_within_measured, its rounds.
std::string search_outcome_json(const SearchSpace& s, const std::vector<Budget>& budgets, const SearchOutcome& o);

}  // namespace iqnas::predictor
