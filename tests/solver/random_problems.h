// Small random problems and brute-force enumeration, shared by the solver tests.
#pragma once
#include <vector>

#include "solver/problem.h"
#include "util/rng.h"

namespace iqnas::solver::testing {

struct RandomSpec {
  int min_groups = 2, max_groups = 5;
  int min_options = 1, max_options = 4;
  int max_constraints = 3;
  double bilinear_density = 0.3;  // chance that a pair of options in two groups gets a term
  double within_density = 0.1;    // chance that a pair of options of one group (or one option with itself) gets one
  bool integer_coefs = false;     // small integers: many ties
};

Problem random_problem(util::Rng& rng, const RandomSpec& spec);

struct Brute {
  bool feasible = false;
  double best = 0;
  std::vector<int> selection;
  std::vector<double> min_constraint;  // per constraint, over all selections
};
Brute brute_force(const Problem& p, const std::vector<double>* maxes = nullptr);

}  // namespace iqnas::solver::testing
