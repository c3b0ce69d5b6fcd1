// The bound of exact's dense search (docs/solver.md, exact item 7), internal to exact: the dual of
// the local-polytope LP relaxation of the pairwise problem left once the budgets are moved into
// the objective with multipliers, lowered by max-product LP (MPLP) message passing over the edges,
// and tightened by triplet clusters added on frustrated triangles of the interaction graph.
//
// Every update is a reparametrisation: it moves value between the terms of
//   objective(x) - sum_k lambda_k (budget_k(x) - T_k)
//     = cw + sum_g bel_g(x_g) + sum_edges residual_e(x_a, x_b) + sum_triplets residual_t(x_a, x_b, x_c)
// without changing the sum. After a sweep every residual is <= 0 on the current domains, so
// cw + sum_g max bel_g bounds the left side over every selection in the domains (and stays a
// bound on any smaller domains, and after any further update).
#pragma once
#include <vector>

#include "solver/detail/dense.h"

namespace iqnas::solver::detail {

class MplpBound {
 public:
  explicit MplpBound(const DenseProblem& d);

  // Multipliers (one per budget) and the budget maxima T: the weighted rows. The bound is valid
  // again only after the next sweep.
  void set_lambda(const std::vector<double>& lambda, const std::vector<double>& T);
  const std::vector<double>& lambda() const { return lam_; }

  // One update of every triplet, then of every edge; never raises the bound.
  void sweep();
  long sweeps() const { return sweeps_; }
  // cw + sum_g max bel_g over the domains: an upper bound once a sweep has run since set_lambda.
  double bound() const;
  double best_belief(int g, int* arg = nullptr) const;
  double belief(int g, int o) const { return bel_[d_.off[g] + o]; }
  bool allowed(int g, int o) const { return allowed_[d_.off[g] + o] != 0; }
  void disallow(int g, int o) { allowed_[d_.off[g] + o] = 0; }

  // Cluster pursuit: scores every triangle of the interaction graph that is not a triplet yet by
  // the decrease of the bound one triplet update would give now, and adds the `count` best ones
  // that decrease it by more than `min_gain`. Returns how many were added.
  int add_triplets(int count, double min_gain);
  int triplets() const { return static_cast<int>(tris_.size()); }
  int edge(int g, int h) const { return edge_of_[static_cast<size_t>(g) * G_ + h]; }  // g < h; -1: none

  // Edge messages (no triplets): the warm start of the next search.
  const std::vector<double>& messages() const { return msg_; }
  bool set_messages(const std::vector<double>& m);  // false (nothing set) when the size differs

  // Everything a search node changes: saved before its children, restored before each.
  struct State {
    std::vector<double> msg, bel, xe, tri;
    std::vector<char> allowed;
  };
  void save(State& s) const;
  void restore(const State& s);
  // Removes every triplet and goes back to `before`, a state saved when there were none.
  void drop_triplets(const State& before);

 private:
  struct Triplet {
    int g[3];    // groups, increasing
    int e[3];    // edges (g0, g1), (g0, g2), (g1, g2)
    int off;     // into tri_: the three pair tables, then the three node messages
  };

  void update_edge(int e);
  void update_triplet(const Triplet& t);
  double triplet_gain(const Triplet& t);  // bound decrease of one update, state unchanged
  // max over the domains of F(o0, o1, o2) = A0 + A1 + A2 (sA_: a belief per option of the three
  // groups) + q[0](o0, o1) + q[1](o0, o2) + q[2](o1, o2); `mu` (optional) receives F's
  // max-marginals on the three groups.
  double triplet_max(const Triplet& t, const double* q[3], double* mu[3]);

  const DenseProblem& d_;
  const int G_, K_, R_, E_;
  int nv_ = 0;
  std::vector<int> moff_;    // edge -> its messages in msg_: one per option of a, then of b
  std::vector<double> msg_, bel_;
  std::vector<char> allowed_;
  std::vector<double> lam_, tu_;
  std::vector<std::vector<double>> te_;  // per edge: weighted product table
  double cw_ = 0;
  // Triplets: value moved from an edge into triplets is subtracted from the edge (xe_, per edge
  // in some triplet, xoff_ -1 otherwise) and held in the triplet's pair table.
  std::vector<Triplet> tris_;
  std::vector<double> tri_, xe_;
  std::vector<int> xoff_;
  std::vector<int> edge_of_;  // G x G: the edge joining two groups, -1 for none
  std::vector<double> sA_, sB_, sM_, sT_, sF_;  // scratch
  long sweeps_ = 0;
};

}  // namespace iqnas::solver::detail
