// One entry point for every method, and the pieces the heuristics share.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "solver/problem.h"

namespace iqnas::solver {

struct SolveOptions {
  // A method of the registry (solver/methods.h, which lists each method's options and ranges).
  std::string method = "exact";
  double time_limit_s = 0.0;     // exact; 0: none
  uint64_t seed = 0;             // evo, random
  int samples = 10000;           // random: K
  int population = 100;          // evo
  int generations = 500;         // evo
  int bcfw_steps = 1000;         // binas-bcfw
};

// Solves and, for an infeasible problem, fills constraint_min and a message naming the budget(s)
// that cannot be met. Throws std::invalid_argument for an unknown method or an option of the
// method out of its range (solver/methods.h). The result echoes the method's options.
Result solve(const Problem& p, const SolveOptions& opt);

// Adds the infeasibility report (smallest achievable value of every constraint) to `r`.
void explain_infeasible(const Problem& p, Result& r);

// Some feasible selection (branch-and-bound on a zero objective), or nothing when none exists.
std::optional<std::vector<int>> find_feasible(const Problem& p);

}  // namespace iqnas::solver
