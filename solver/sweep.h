// Budget sweeps: the objective-versus-budget front for one named constraint (the other budgets
// stay as in the problem), as results, CSV and an SVG plot written directly.
#pragma once
#include <string>
#include <vector>

#include "solver/problem.h"
#include "solver/solve.h"

namespace iqnas::solver {

struct SweepPoint {
  double budget = 0;
  Result result;
  bool reused = false;  // exact: the optimum of a larger budget already fits this one
};

// Budgets are solved from the largest down. With `exact`, one solver (preprocessing done once)
// serves every budget, and an optimum at budget B whose constraint value is v stays optimal for
// every budget in [v, B], so those points cost nothing. Points come back in the given order.
std::vector<SweepPoint> sweep(const Problem& p, const std::string& constraint, const std::vector<double>& budgets,
                              const SolveOptions& opt = {});

// "a,b,c" or "start:stop:count" (count evenly spaced values, both ends included).
std::vector<double> parse_budgets(const std::string& spec);

void write_sweep_csv(const Problem& p, const std::string& constraint, const std::vector<SweepPoint>& pts,
                     const std::string& path);
std::string sweep_svg(const std::string& constraint, const std::vector<SweepPoint>& pts);
// Atomic, checked write (util/atomic_file.h).
void write_text_file(const std::string& text, const std::string& path);

}  // namespace iqnas::solver
