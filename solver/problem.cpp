#include "solver/problem.h"

#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>

namespace iqnas::solver {

int Problem::num_vars() const {
  int n = 0;
  for (const auto& g : groups) n += static_cast<int>(g.options.size());
  return n;
}

int Problem::var(int group, int option) const {
  int v = 0;
  for (int g = 0; g < group; ++g) v += static_cast<int>(groups[g].options.size());
  return v + option;
}

int Problem::constraint_index(const std::string& name) const {
  for (size_t k = 0; k < constraints.size(); ++k)
    if (constraints[k].name == name) return static_cast<int>(k);
  return -1;
}

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw std::invalid_argument(where + ": " + what);
}

void check_expression(const Expression& e, const std::string& where, const std::vector<int>& group_of) {
  const int n = static_cast<int>(group_of.size());
  if (!std::isfinite(e.constant)) fail(where + ".constant", "is not a finite number");
  for (size_t t = 0; t < e.linear.size(); ++t) {
    const auto& lt = e.linear[t];
    const std::string at = where + ".linear[" + std::to_string(t) + "]";
    if (lt.var < 0 || lt.var >= n)
      fail(at, "variable index " + std::to_string(lt.var) + " is out of range 0.." + std::to_string(n - 1));
    if (!std::isfinite(lt.coef)) fail(at, "coefficient is not a finite number");
  }
  for (size_t t = 0; t < e.bilinear.size(); ++t) {
    const auto& bt = e.bilinear[t];
    const std::string at = where + ".bilinear[" + std::to_string(t) + "]";
    for (int v : {bt.var_i, bt.var_j})
      if (v < 0 || v >= n)
        fail(at, "variable index " + std::to_string(v) + " is out of range 0.." + std::to_string(n - 1));
    if (!std::isfinite(bt.coef)) fail(at, "coefficient is not a finite number");
  }
  // Every value of the row is at most the sum of its absolute coefficients: keep that far from
  // overflow, so that no objective or budget value (nor the solvers' weighted sums) is infinite.
  double total = std::fabs(e.constant);
  for (const auto& lt : e.linear) total += std::fabs(lt.coef);
  for (const auto& bt : e.bilinear) total += std::fabs(bt.coef);
  if (!(total <= kMaxRowMagnitude)) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "the absolute values of the row's coefficients sum to %.6g (at most %.6g): values would overflow",
                  total, kMaxRowMagnitude);
    fail(where, buf);
  }
}

}  // namespace

void Problem::validate() const {
  if (groups.empty()) fail("groups", "the problem has no groups");
  std::vector<int> group_of;
  std::set<std::string> names;
  for (size_t g = 0; g < groups.size(); ++g) {
    if (groups[g].options.empty())
      fail("groups[" + std::to_string(g) + "] (" + groups[g].name + ")", "the group has no options");
    for (size_t o = 0; o < groups[g].options.size(); ++o) group_of.push_back(static_cast<int>(g));
  }
  check_expression(objective, "objective", group_of);
  for (size_t k = 0; k < constraints.size(); ++k) {
    const auto& c = constraints[k];
    const std::string where = "constraints[" + std::to_string(k) + "]";
    if (c.name.empty()) fail(where + ".name", "is empty");
    if (!names.insert(c.name).second) fail(where + ".name", "duplicate constraint name '" + c.name + "'");
    check_expression(c.expr, where, group_of);
    if (!std::isfinite(c.max)) fail(where + ".max", "is not a finite number");
    if (std::fabs(c.max) > kMaxRowMagnitude) fail(where + ".max", "is larger than 1e100 in absolute value");
  }
}

double Problem::value(const Expression& e, const std::vector<int>& selection) const {
  // Mark the chosen global variables.
  std::vector<char> on(num_vars(), 0);
  int base = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    on[base + selection[g]] = 1;
    base += static_cast<int>(groups[g].options.size());
  }
  double v = e.constant;
  for (const auto& t : e.linear)
    if (on[t.var]) v += t.coef;
  for (const auto& t : e.bilinear)
    if (on[t.var_i] && on[t.var_j]) v += t.coef;
  return v;
}

std::vector<double> Problem::constraint_values(const std::vector<int>& selection) const {
  std::vector<double> out;
  for (const auto& c : constraints) out.push_back(value(c.expr, selection));
  return out;
}

bool Problem::feasible(const std::vector<int>& selection) const {
  for (const auto& c : constraints)
    if (!within_budget(value(c.expr, selection), c.max)) return false;
  return true;
}

const char* status_name(Status s) {
  switch (s) {
    case Status::Optimal: return "optimal";
    case Status::Feasible: return "feasible";
    case Status::Infeasible: return "infeasible";
    case Status::BudgetExceeded: return "budget_exceeded";
    case Status::TimeLimit: return "time_limit";
  }
  return "?";
}

void Result::set_stat(const std::string& key, double v) {
  for (auto& kv : stats)
    if (kv.first == key) {
      kv.second = v;
      return;
    }
  stats.emplace_back(key, v);
}

double Result::stat(const std::string& key, double fallback) const {
  for (const auto& kv : stats)
    if (kv.first == key) return kv.second;
  return fallback;
}

}  // namespace iqnas::solver

namespace iqnas::solver {
void fill_result(const Problem& p, Result& r, const std::vector<double>* maxes) {
  r.constraint_names.clear();
  r.constraint_max.clear();
  r.constraint_values.clear();
  for (size_t k = 0; k < p.constraints.size(); ++k) {
    r.constraint_names.push_back(p.constraints[k].name);
    r.constraint_max.push_back(maxes ? (*maxes)[k] : p.constraints[k].max);
  }
  if (!r.selection.empty()) {
    r.objective = p.objective_value(r.selection);
    r.constraint_values = p.constraint_values(r.selection);
  }
}
}  // namespace iqnas::solver
