// A small dense two-phase simplex for the block LPs of `relax` (tens of rows, hundreds of columns).
// Returns a basic (vertex) optimal solution, which the rounding guarantee relies on.
#pragma once
#include <chrono>
#include <vector>

namespace iqnas::solver {

struct LinearProgram {
  int n = 0;                               // variables, all >= 0
  std::vector<double> c;                   // maximise c^T x
  std::vector<std::vector<double>> A_eq;   // rows of length n
  std::vector<double> b_eq;
  std::vector<std::vector<double>> A_ub;   // A_ub x <= b_ub
  std::vector<double> b_ub;
};

enum class LpStatus { Optimal, Infeasible, Unbounded, IterationLimit };

struct LpResult {
  LpStatus status = LpStatus::Infeasible;
  std::vector<double> x;
  double value = 0;
  int pivots = 0;
};

// Past `deadline` (checked before every pivot) it stops with IterationLimit.
LpResult solve_lp(const LinearProgram& lp,
                  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());

}  // namespace iqnas::solver
