// Uses the solver and the supernet libraries of an installed iqnas: a two-group problem solved to
// optimality, and a preset search space.
#include <cstdio>

#include "solver/solve.h"
#include "supernet/space.h"

int main() {
  using namespace iqnas::solver;
  Problem p;
  p.groups = {{"a", {"small", "big"}}, {"b", {"small", "big"}}};
  p.objective.linear = {{1, 3.0}, {3, 2.0}};                   // big a: +3, big b: +2
  p.constraints = {{"cost", {0.0, {{1, 2.0}, {3, 2.0}}, {}}, 3.0}};  // only one big fits
  const Result r = solve(p, SolveOptions{});
  const iqnas::SearchSpace s = iqnas::find_space("paper");
  std::printf("status %s objective %g selection %d %d; space %s with %zu stages and %d configurations\n",
              status_name(r.status), r.objective, r.selection.at(0), r.selection.at(1), s.name.c_str(),
              s.stages.size(), s.num_configs());
  return r.status == Status::Optimal && r.objective == 3.0 && s.stages.size() == 5 && s.num_configs() == 12 ? 0 : 1;
}
