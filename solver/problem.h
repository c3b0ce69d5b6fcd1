// The integer quadratic program over one-hot groups that the solver works on, and its result.
//
//   maximise    objective(x)                      x: one option chosen per group (one-hot)
//   subject to  constraint_k(x) <= max_k          for every budget row k
//
// Every row (objective or constraint) is constant + linear + bilinear over the option variables,
// indexed globally: the options of group 0 first, then group 1, and so on. Nothing here knows what
// the groups stand for.
#pragma once
#include <string>
#include <vector>

namespace iqnas::solver {

struct LinearTerm {
  int var;
  double coef;
};

struct BilinearTerm {
  int var_i;
  int var_j;
  double coef;
};

struct Expression {
  double constant = 0.0;
  std::vector<LinearTerm> linear;
  std::vector<BilinearTerm> bilinear;
};

struct Group {
  std::string name;
  std::vector<std::string> options;
};

struct Constraint {
  std::string name;
  Expression expr;
  double max = 0.0;
};

struct Problem {
  std::vector<Group> groups;
  Expression objective;
  std::vector<Constraint> constraints;

  int num_groups() const { return static_cast<int>(groups.size()); }
  int num_vars() const;
  // Global index of option `option` of group `group`.
  int var(int group, int option) const;
  // Index of the constraint with that name, -1 when absent.
  int constraint_index(const std::string& name) const;

  // Throws std::invalid_argument naming the field and index of the first problem found: no groups,
  // an empty group, a variable index out of range, a non-finite number, a row whose absolute
  // coefficients sum beyond kMaxRowMagnitude (or a budget beyond it), an empty or duplicate
  // constraint name. A bilinear term inside one group is allowed: x_i * x_i is x_i, and two
  // different options of one group are never both chosen, so their product is 0.
  void validate() const;

  // Value of a row at a selection (one option index per group; the selection must be complete).
  double value(const Expression& e, const std::vector<int>& selection) const;
  double objective_value(const std::vector<int>& selection) const { return value(objective, selection); }
  std::vector<double> constraint_values(const std::vector<int>& selection) const;
  // True when every constraint holds within the feasibility tolerance.
  bool feasible(const std::vector<int>& selection) const;
};

// Largest sum of absolute coefficients of a row (and largest |max|): values stay far from overflow.
constexpr double kMaxRowMagnitude = 1e100;

// A constraint value counts as within its budget when value <= max + kFeasTol * max(1, |max|).
constexpr double kFeasTol = 1e-9;
inline bool within_budget(double value, double max) {
  const double scale = max < 0 ? -max : max;
  return value <= max + kFeasTol * (scale > 1 ? scale : 1);
}

// BudgetExceeded: a selection is returned but breaks a budget (binas-bcfw's argmax rounding).
// TimeLimit: the time limit came before any feasible selection (no selection; not proven infeasible).
enum class Status { Optimal, Feasible, Infeasible, BudgetExceeded, TimeLimit };
const char* status_name(Status s);

struct Result {
  std::string method;
  Status status = Status::Infeasible;
  double objective = 0.0;       // valid unless infeasible
  bool has_bound = false;       // whether `bound` is a proven upper bound
  double bound = 0.0;
  std::vector<int> selection;   // one option index per group; empty when infeasible
  std::vector<std::string> constraint_names;
  std::vector<double> constraint_values;  // at `selection`
  std::vector<double> constraint_max;
  // Infeasible problems: the smallest value each constraint can take on its own, and a message
  // naming the budget(s) that cannot be met.
  std::vector<double> constraint_min;
  std::string message;
  double solve_seconds = 0.0;
  // The options of the method with their values (solver/methods.h), echoed into the JSON.
  std::vector<std::pair<std::string, double>> options;
  // Method statistics (nodes, iterations, relaxation value, checks); written as-is to the JSON.
  std::vector<std::pair<std::string, double>> stats;

  void set_stat(const std::string& key, double v);
  double stat(const std::string& key, double fallback = 0.0) const;
};

}  // namespace iqnas::solver

namespace iqnas::solver {
// Fills the result's constraint names, maxima (the problem's, or `maxes` when given) and, when a
// selection is present, the objective and constraint values recomputed from the problem.
void fill_result(const Problem& p, Result& r, const std::vector<double>* maxes = nullptr);
}  // namespace iqnas::solver
