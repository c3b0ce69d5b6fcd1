// The non-exact methods: relax (METHOD.md section 7), evo (Once-for-All style) and random.
// Each returns a feasible selection (status `feasible`) or `infeasible` when none exists.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "solver/problem.h"

namespace iqnas::solver {

struct RelaxOptions {
  int fw_cycles = 60;    // Frank-Wolfe cycles (one step per block) with steps 2 / (t + 2)
  double smoothing = 0.1;  // FW phase: gradients taken at (1 - s) x + s uniform, so that groups
                          // switched off by the current point still steer the step
  int max_cycles = 100;  // then alternating-LP cycles until no block improves
  bool local_search = true;
  double time_limit_s = 0;  // 0: none; stops the Frank-Wolfe and alternating phases (the rounding
                            // and the polish of the point reached still run)
};
Result solve_relax(const Problem& p, const RelaxOptions& opt = {});

struct EvoOptions {
  int population = 100;
  int generations = 500;
  double parent_ratio = 0.25;
  double mutation_ratio = 0.5;
  double mutate_prob = 0.1;
  int max_tries = 50;  // resampling attempts for a feasible child
  uint64_t seed = 0;
  // When set, the fitness of a selection instead of the objective row (any black-box predictor;
  // the result's objective is then this fitness). The budget rows still decide feasibility.
  std::function<double(const std::vector<int>& selection)> fitness;
};
Result solve_evo(const Problem& p, const EvoOptions& opt = {});

struct RandomOptions {
  int samples = 10000;
  uint64_t seed = 0;
};
Result solve_random(const Problem& p, const RandomOptions& opt = {});

// The reference code's block-coordinate Frank-Wolfe (docs/solver.md, "binas-bcfw"), the exception
// to the above: its rounding may break a budget (status `budget_exceeded`). Two blocks
// (a 2-colouring of the interaction graph; std::invalid_argument when there is none), start at the
// smallest point, momentum-averaged gradients, a random block per step, fixed step size, then
// `sparsify` (alternating LPs maximising the overlap with the BCFW point) and argmax per group.
struct BcfwOptions {
  int steps = 1000;
  double gamma = 0.002;        // fixed step size
  double momentum = 0.9;       // g_avg <- momentum * g_avg + (1 - momentum) * g
  int sparsify_lps = 100;
  uint64_t seed = 0;           // block choice after the first two steps
};
Result solve_binas_bcfw(const Problem& p, const BcfwOptions& opt = {});

}  // namespace iqnas::solver
