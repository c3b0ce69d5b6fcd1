// The bound of exact's dense search (docs/solver.md, exact item 7), internal to exact: the dual of
// the local-polytope LP relaxation of the pairwise problem left once the budgets are moved into
// the objective with multipliers, lowered by max-product LP (MPLP) message passing over the edges.
//
// Every update is a reparametrisation: it moves value between the terms of
//   objective(x) - sum_k lambda_k (budget_k(x) - T_k) = cw + sum_g bel_g(x_g) + sum_edges residual_e(x_a, x_b)
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

  // One MPLP update of every edge; never raises the bound.
  void sweep();
  // The same update of every edge with each max replaced by tau log sum exp(./tau) (tau > 0):
  // leaves the fixed points where sweep() stalls; bound() is valid again after the next sweep().
  void smooth_sweep(double tau);
  long sweeps() const { return sweeps_; }
  // cw + sum_g max bel_g over the domains: an upper bound once a sweep has run since set_lambda.
  double bound() const;
  double best_belief(int g, int* arg = nullptr) const;
  double belief(int g, int o) const { return bel_[d_.off[g] + o]; }
  bool allowed(int g, int o) const { return allowed_[d_.off[g] + o] != 0; }
  void disallow(int g, int o) { allowed_[d_.off[g] + o] = 0; }

  int edge(int g, int h) const { return edge_of_[static_cast<size_t>(g) * G_ + h]; }  // g < h; -1: none
  // The messages: the warm start of the next search.
  const std::vector<double>& messages() const { return msg_; }
  bool set_messages(const std::vector<double>& m);  // false (nothing set) when the size differs

  // Everything a search node changes: saved before its children, restored before each.
  struct State {
    std::vector<double> msg, bel;
    std::vector<char> allowed;
  };
  void save(State& s) const;
  void restore(const State& s);

 private:
  // One edge's slices: its two message blocks, the beliefs and domains of its two groups and its
  // weighted table (row per option of a).
  struct EdgeView {
    int na, nb;
    double *ma, *mb, *ba, *bb;
    const char *al, *bl;
    const double* th;
  };
  // Also sets sB_ (b's belief without this edge's message on its domain, -inf off it) and sM_ (-inf).
  EdgeView begin_edge(int e);
  void update_edge(int e);
  void smooth_edge(int e, double tau);

  const DenseProblem& d_;
  const int G_, K_, R_, E_;
  int nv_ = 0;
  std::vector<int> moff_;    // edge -> its messages in msg_: one per option of a, then of b
  std::vector<double> msg_, bel_;
  std::vector<char> allowed_;
  std::vector<double> lam_, tu_;
  std::vector<std::vector<double>> te_;  // per edge: weighted product table
  double cw_ = 0;
  std::vector<int> edge_of_;  // G x G: the edge joining two groups, -1 for none
  std::vector<double> sB_, sM_, sA_, sS_;  // scratch
  long sweeps_ = 0;
};

}  // namespace iqnas::solver::detail
