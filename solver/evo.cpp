// `evo`: the evolutionary search of Once-for-All (population, top parents, mutation and
// crossover children), keeping only selections that fit every budget.
#include <algorithm>
#include <chrono>

#include "solver/detail/dense.h"
#include "solver/heuristics.h"
#include "solver/solve.h"
#include "util/rng.h"

namespace iqnas::solver {

Result solve_evo(const Problem& p, const EvoOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  DenseProblem d(p);
  util::Rng rng(opt.seed);
  auto pick = [&](int n) { return static_cast<int>(rng.below(static_cast<uint64_t>(n))); };
  std::vector<double> rows(d.R);
  struct Ind {
    std::vector<int> sel;
    double val;
  };
  long evals = 0;
  auto score = [&](const std::vector<int>& s, double& val) {
    ++evals;
    d.eval(s.data(), rows.data());
    val = opt.fitness ? opt.fitness(s) : rows[0];
    return d.feasible(rows.data());
  };
  Result r;
  r.method = "evo";
  // Initial population: random feasible selections (a feasibility-search seed when sampling fails).
  std::vector<Ind> pop;
  pop.reserve(opt.population + 8);
  std::vector<int> s(d.G);
  const int P = std::max(2, opt.population);
  for (int tries = 0; static_cast<int>(pop.size()) < P && tries < P * opt.max_tries; ++tries) {
    for (int g = 0; g < d.G; ++g) s[g] = pick(d.n[g]);
    double v;
    if (score(s, v)) pop.push_back({s, v});
  }
  if (pop.empty()) {
    auto f = find_feasible(p);
    if (!f) {
      r.status = Status::Infeasible;
      fill_result(p, r);
      return r;
    }
    double v;
    score(*f, v);
    pop.push_back({*f, v});
    r.message = "random sampling found no feasible selection; seeded from the feasibility search";
  }
  while (static_cast<int>(pop.size()) < P) pop.push_back(pop[pick(static_cast<int>(pop.size()))]);
  const int parents = std::max(1, static_cast<int>(opt.parent_ratio * P));
  const int mutations = static_cast<int>(opt.mutation_ratio * P);
  auto by_val = [](const Ind& a, const Ind& b) { return a.val > b.val; };
  for (int gen = 0; gen < opt.generations; ++gen) {
    std::sort(pop.begin(), pop.end(), by_val);
    pop.resize(parents);
    for (int m = 0; m < mutations; ++m) {
      const Ind& par = pop[pick(parents)];
      Ind child = par;
      for (int t = 0; t < opt.max_tries; ++t) {
        s = par.sel;
        for (int g = 0; g < d.G; ++g)
          if (rng.bernoulli(opt.mutate_prob)) s[g] = pick(d.n[g]);
        double v;
        if (score(s, v)) {
          child = {s, v};
          break;
        }
      }
      pop.push_back(child);
    }
    while (static_cast<int>(pop.size()) < P) {
      const Ind& a = pop[pick(parents)];
      const Ind& b = pop[pick(parents)];
      Ind child = a;
      for (int t = 0; t < opt.max_tries; ++t) {
        for (int g = 0; g < d.G; ++g) s[g] = rng.coin() ? a.sel[g] : b.sel[g];
        double v;
        if (score(s, v)) {
          child = {s, v};
          break;
        }
      }
      pop.push_back(child);
    }
  }
  std::sort(pop.begin(), pop.end(), by_val);
  r.status = Status::Feasible;
  r.selection = pop[0].sel;
  r.set_stat("evaluations", static_cast<double>(evals));
  fill_result(p, r);
  if (opt.fitness) r.objective = pop[0].val;
  r.solve_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace iqnas::solver
