#include "predictor/search.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "predictor/encoding.h"
#include "predictor/measured_latency.h"
#include "predictor/resources.h"
#include "solver/heuristics.h"
#include "util/number.h"

namespace iqnas::predictor {

std::vector<Budget> parse_budgets(const std::string& text) {
  std::vector<Budget> v;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    const size_t eq = part.find('=');
    if (eq == std::string::npos || eq == 0) throw std::invalid_argument("budget '" + part + "' is not NAME=VALUE");
    Budget b{part.substr(0, eq), 0};
    b.max = parse_number(part.substr(eq + 1), "budget '" + part + "'", 0);
    if (b.max <= 0) throw std::invalid_argument("budget '" + part + "': the value must be a positive number");
    bool known = false;
    for (const auto& n : resource_names()) known = known || n == b.resource;
    if (!known) {
      std::string names;
      for (const auto& n : resource_names()) names += (names.empty() ? "" : ", ") + n;
      throw std::invalid_argument("budget '" + part + "': unknown resource '" + b.resource + "' (known: " + names + ")");
    }
    for (const Budget& o : v)
      if (o.resource == b.resource) throw std::invalid_argument("budget for " + b.resource + " given twice");
    v.push_back(b);
  }
  if (v.empty()) throw std::invalid_argument("no budget given");
  return v;
}

std::string budget_tag(const std::vector<Budget>& b) {
  std::string t;
  char buf[64];
  for (const Budget& x : b) {
    std::snprintf(buf, sizeof buf, "%s%s-%g", t.empty() ? "" : "_", x.resource.c_str(), x.max);
    t += buf;
  }
  return t;
}

solver::Problem search_problem(const SearchSpace& s, const AccuracyPredictor& p, const std::vector<Budget>& budgets,
                               const LatencyTable* table) {
  solver::Problem prob;
  prob.groups = space_groups(s);
  if (auto row = p.objective()) prob.objective = *row;
  for (const Budget& b : budgets)
    for (auto& c : resource_constraints(s, b.resource, b.max, table)) prob.constraints.push_back(std::move(c));
  prob.validate();
  return prob;
}

SearchOutcome run_search(const SearchSpace& s, const AccuracyPredictor& p, const std::vector<Budget>& budgets,
                         const LatencyTable* table, const solver::SolveOptions& options) {
  const solver::Problem prob = search_problem(s, p, budgets, table);
  SearchOutcome o;
  if (p.objective()) {
    o.result = solver::solve(prob, options);
  } else {
    if (options.method != "evo")
      throw std::invalid_argument("a " + p.kind() + " predictor has no objective row: search it with --method evo");
    solver::EvoOptions e;
    e.population = options.population, e.generations = options.generations, e.seed = options.seed;
    e.fitness = [&](const std::vector<int>& sel) { return p.predict(selection_to_arch(s, sel)); };
    o.result = solver::solve_evo(prob, e);
    if (o.result.status == solver::Status::Infeasible) solver::explain_infeasible(prob, o.result);
  }
  o.found = o.result.status != solver::Status::Infeasible && !o.result.selection.empty();
  if (!o.found) return o;
  o.arch = selection_to_arch(s, o.result.selection);
  o.predicted_accuracy = p.predict(o.arch);
  for (const auto& name : resource_names()) {
    if (name == "latency_ms" && !table) continue;
    o.resources[name] = resource_value(s, o.arch, name, table);
  }
  return o;
}

SearchOutcome search_within_measured(const SearchSpace& s, const AccuracyPredictor& p, const std::vector<Budget>& budgets,
                                     const LatencyTable& table, const solver::SolveOptions& options,
                                     const MeasureLatency& measure, int rounds) {
  auto latency = budgets.end();
  for (auto it = budgets.begin(); it != budgets.end(); ++it)
    if (it->resource == "latency_ms") latency = it;
  if (latency == budgets.end()) throw std::invalid_argument("fitting measured latency needs a latency_ms budget");
  if (rounds < 0) throw std::invalid_argument("the number of extra rounds must be >= 0");
  const double limit = latency->max;
  std::vector<Budget> b = budgets;
  Budget& solver_budget = b[size_t(latency - budgets.begin())];
  SearchOutcome best;
  double best_measured = 0;
  std::vector<MeasuredRound> log;
  for (int r = 0; r <= rounds; ++r) {
    SearchOutcome o = run_search(s, p, b, &table, options);
    if (!o.found) {
      if (r == 0) return o;  // infeasible even by the table
      break;
    }
    const SameRunPoint timed = measure(o.arch);
    const double predicted = o.resources.at("latency_ms");
    const double measured = same_run_latency(table, s, o.arch, timed);
    log.push_back({solver_budget.max, predicted, measured, o.predicted_accuracy, timed.measured.median_ms, timed.predicted_ms});
    const bool fits = measured <= limit;
    if (fits || !best.found || measured < best_measured) {
      best = std::move(o);
      best_measured = measured;
      for (auto& m : log) m.chosen = false;
      log.back().chosen = true;
    }
    if (fits) {
      best.measured_fits = true;
      break;
    }
    // measured > limit, so the next budget lies below `predicted`: this network is excluded.
    solver_budget.max = limit * predicted / measured;
  }
  best.measured_rounds = log;
  return best;
}

std::string search_outcome_json(const SearchSpace& s, const std::vector<Budget>& budgets, const SearchOutcome& o) {
  nlohmann::json j;
  j["space"] = s.name;
  j["budgets"] = nlohmann::json::object();
  for (const Budget& b : budgets) j["budgets"][b.resource] = b.max;
  const solver::Result& r = o.result;
  nlohmann::json sol = {{"method", r.method},
                        {"status", solver::status_name(r.status)},
                        {"objective", r.objective},
                        {"solve_seconds", r.solve_seconds},
                        {"message", r.message}};
  sol["bound"] = r.has_bound ? nlohmann::json(r.bound) : nlohmann::json(nullptr);
  for (const auto& [k, v] : r.stats) sol["stats"][k] = v;
  for (size_t i = 0; i < r.constraint_names.size(); ++i)
    sol["constraints"][r.constraint_names[i]] = {{"value", i < r.constraint_values.size() ? r.constraint_values[i] : 0.0},
                                                 {"max", r.constraint_max[i]}};
  j["solver"] = sol;
  if (o.found) {
    j["architecture"] = nlohmann::json::parse(arch_to_json(s, o.arch));
    j["predicted_accuracy"] = o.predicted_accuracy;
    j["predicted_resources"] = o.resources;
    if (!o.measured_rounds.empty()) {
      nlohmann::json rounds = nlohmann::json::array();
      for (const MeasuredRound& m : o.measured_rounds)
        rounds.push_back({{"solver_budget_ms", m.solver_budget_ms},
                          {"predicted_ms", m.predicted_ms},
                          {"measured_ms", m.measured_ms},
                          {"network_ms", m.network_ms},
                          {"same_run_table_ms", m.same_run_table_ms},
                          {"predicted_accuracy", m.predicted_accuracy},
                          {"chosen", m.chosen}});
      j["measured_fit"] = {{"fits", o.measured_fits}, {"rounds", rounds}};
    }
  } else {
    j["architecture"] = nullptr;
  }
  return j.dump(1) + "\n";
}

}  // namespace iqnas::predictor
