// exact's budget-independent preprocessing: dominance, the vertex cover of the interaction graph
// and the switch to the dense search (docs/solver.md, exact items 1, 2 and 7).
#include "solver/detail/exact_impl.h"

namespace iqnas::solver {

ExactSolver::Impl::Impl(const Problem& p) : prob(p) {
  DenseProblem full(p);
  d = full.restrict(full.undominated());
  G = d.G;
  K = d.K;
  R = d.R;
  // Greedy vertex cover of the interaction graph restricted to multi-option groups.
  cover_pos.assign(G, -1);
  std::vector<char> covered(d.edges.size(), 0);
  for (size_t e = 0; e < d.edges.size(); ++e)
    if (d.n[d.edges[e].a] < 2 || d.n[d.edges[e].b] < 2) covered[e] = 1;
  for (;;) {
    int best = -1, best_deg = 0;
    for (int g = 0; g < G; ++g) {
      if (cover_pos[g] >= 0) continue;
      int deg = 0;
      for (int e : d.adj[g]) deg += !covered[e];
      if (deg > best_deg || (deg == best_deg && deg > 0 && d.n[g] < d.n[best])) {
        best = g;
        best_deg = deg;
      }
    }
    if (best < 0) break;
    cover_pos[best] = static_cast<int>(cover.size());
    cover.push_back(best);
    for (int e : d.adj[best]) covered[e] = 1;
  }
  for (int g = 0; g < G; ++g)
    if (cover_pos[g] < 0 && d.n[g] > 1) leaves.push_back(g);
  spread = d.row_spread();
  // Edges between two cover groups are only bounded by their best partner option in phase 1;
  // when there are any, the search of exact_dense.h (local-polytope bound) is used instead.
  for (const auto& e : d.edges) dense_mode = dense_mode || (cover_pos[e.a] >= 0 && cover_pos[e.b] >= 0);
  base.assign(d.lin.size() / R, 0.0);
  hub.assign(G, -1);
}

}  // namespace iqnas::solver
