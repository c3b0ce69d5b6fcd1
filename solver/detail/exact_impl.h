// The state and phases of `exact` (solver/exact.h; docs/solver.md, "exact"), internal to it:
//   exact_structure.cpp  dominance, the vertex cover of the interaction graph, the dense switch;
//   exact_cover.cpp      phase 1: branching on the cover groups under the star Lagrangian bound;
//   exact_knapsack.cpp   phase 2: the multiple-choice knapsack left once the cover is fixed;
//   exact_dense.cpp      the search for cover groups that interact (detail/exact_dense.h);
//   exact.cpp            one solve (dispatch, result) and the public entry points.
#pragma once
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

#include "solver/detail/dense.h"
#include "solver/exact.h"

namespace iqnas::solver {

struct ExactSolver::Impl {
  static constexpr double kInf = std::numeric_limits<double>::infinity();

  Problem prob;
  DenseProblem d;  // after dominance reduction
  int G = 0, K = 0, R = 1;
  std::vector<int> cover;      // branching order of the cover groups
  std::vector<int> cover_pos;  // group -> position in `cover`, -1 otherwise
  std::vector<int> leaves;     // multi-option groups outside the cover
  std::vector<double> spread;  // per row: total range of coefficients (scales for multipliers)
  bool dense_mode = false;     // cover groups interact with each other: exact_dense.h
  std::vector<double> dense_lambda, dense_messages;  // root state of the last dense search

  // Per-solve state.
  std::vector<double> T;       // budget maxima (with the feasibility slack added)
  std::vector<double> Traw;
  std::vector<int> sel;        // reduced option per group, -1 when free
  bool have_inc = false;
  double inc = -kInf;
  std::vector<int> inc_sel;    // original option indices
  double open_bound = -kInf;   // max bound of subtrees cut off by the time limit
  bool aborted = false;
  double time_limit = 0;
  std::chrono::steady_clock::time_point t0;
  long nodes = 0, cover_leaves = 0;
  std::vector<double> lambda;
  std::vector<double> base;    // scratch, one per reduced option
  std::vector<int> hub;        // scratch, per group

  // Multiple-choice knapsack phase (all cover groups fixed).
  struct Item {
    double c;
    int o;
    int w;  // index into wbuf (K values)
  };
  struct Seg {
    double dc, dw, slope;
    int pos, to;  // knapsack position, option at the segment's upper end
  };
  std::vector<std::vector<Item>> items;  // per knapsack position
  std::vector<int> mk_group;             // knapsack position -> group
  std::vector<double> wbuf;
  // A surrogate budget sum_k mu_k * row_k <= sum_k mu_k * max_k; its LP relaxation is solved
  // greedily over the upper hulls of (surrogate weight, objective) of every group.
  struct Surrogate {
    std::vector<double> mu;
    std::vector<Seg> segs;
    std::vector<double> suf_c, suf_s;  // suffix sums over positions of the hull bases
    std::vector<int> hull_base;
  };
  std::vector<Surrogate> surs;
  std::vector<double> suf_w;  // suffix sums of per-row minima
  double mk_c0 = 0;
  std::vector<double> mk_w0;

  explicit Impl(const Problem& p);  // budget-independent preprocessing (exact_structure.cpp)
  Result run(const ExactOptions& opt, const std::vector<double>* maxes, const std::vector<int>* hint);
  void consider(const std::vector<int>& reduced_sel);

  bool out_of_time() {
    if (aborted) return true;
    if (time_limit > 0 && (nodes & 255) == 0) {
      const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (el > time_limit) aborted = true;
    }
    return aborted;
  }
  double prune_tol() const { return 1e-12 * std::max(1.0, std::fabs(inc)); }
  double h(const double* w, const double* x) const {
    double v = 0;
    for (int r = 0; r < R; ++r) v += w[r] * x[r];
    return v;
  }

  // Phase 1 (exact_cover.cpp).
  double star_bound(const double* w);
  double lagrangian(const std::vector<double>& lam);
  bool cannot_fit();
  void optimize_lambda();
  void dfs_cover(int depth, double node_bound);

  // Phase 2 (exact_knapsack.cpp).
  void knapsack(double node_bound);
  void knapsack_inner(double node_bound);
  void build_surrogate(Surrogate& su);
  std::vector<double> knapsack_multipliers();
  double knap_bound(int pos, double fc, const std::vector<double>& fw) const;
  void dfs_knap(int pos, double fc, std::vector<double>& fw, double node_bound);
  double surrogate_weight(const Surrogate& su, const Item& it) const {
    double v = 0;
    for (int k = 0; k < K; ++k) v += su.mu[k] * wbuf[it.w + k];
    return v;
  }
  // sum_k mu_k * (budget left after the fixed part and the groups fixed so far, fw)
  double surrogate_cap(const Surrogate& su, const std::vector<double>& fw) const {
    double v = 0;
    for (int k = 0; k < K; ++k) v += su.mu[k] * (T[k] - mk_w0[k] - fw[k]);
    return v;
  }
  // The surrogate's LP relaxation over positions >= pos with `cap` left (greedy over the hull segments).
  static double lp(const Surrogate& su, int pos, double cap) {
    double v = su.suf_c[pos];
    cap -= su.suf_s[pos];
    if (cap < 0) return -kInf;
    for (const auto& sg : su.segs) {
      if (sg.pos < pos) continue;
      if (sg.dw <= cap) {
        v += sg.dc;
        cap -= sg.dw;
      } else {
        v += sg.slope * cap;
        break;
      }
    }
    return v;
  }
};

}  // namespace iqnas::solver
