// exact: one solve (the dense search or phases 1-2, then the result) and the public entry points.
// The phases are in exact_structure.cpp, exact_cover.cpp, exact_knapsack.cpp and exact_dense.cpp.
#include "solver/exact.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <utility>

#include "solver/detail/exact_dense.h"
#include "solver/detail/exact_impl.h"

namespace iqnas::solver {

namespace {

double budget_slack(double max) {  // the feasibility tolerance of within_budget()
  const double s = std::fabs(max);
  return kFeasTol * (s > 1 ? s : 1);
}

}  // namespace

void ExactSolver::Impl::consider(const std::vector<int>& reduced_sel) {
  double rows[64];
  std::vector<double> rv;
  double* rp = rows;
  if (R > 64) {
    rv.resize(R);
    rp = rv.data();
  }
  d.eval(reduced_sel.data(), rp);
  if (!d.feasible(rp, Traw.data())) return;
  if (!have_inc || rp[0] > inc) {
    have_inc = true;
    inc = rp[0];
    inc_sel.resize(G);
    for (int g = 0; g < G; ++g) inc_sel[g] = d.orig[g][reduced_sel[g]];
  }
}

Result ExactSolver::Impl::run(const ExactOptions& opt, const std::vector<double>* maxes, const std::vector<int>* hint) {
  t0 = std::chrono::steady_clock::now();
  time_limit = opt.time_limit_s;
  Traw = maxes ? *maxes : d.rhs;
  T.resize(K);
  for (int k = 0; k < K; ++k) T[k] = Traw[k] + budget_slack(Traw[k]);
  sel.assign(G, -1);
  for (int g = 0; g < G; ++g)
    if (d.n[g] == 1) sel[g] = 0;
  have_inc = false;
  inc = -kInf;
  inc_sel.clear();
  open_bound = -kInf;
  aborted = false;
  nodes = cover_leaves = 0;
  if (hint && static_cast<int>(hint->size()) == G) {
    DenseProblem full(prob);
    std::vector<double> rows(R);
    full.eval(hint->data(), rows.data());
    if (full.feasible(rows.data(), Traw.data())) {
      have_inc = true;
      inc = rows[0];
      inc_sel = *hint;
    }
  }
  double root = kInf;
  long sweeps = 0, heuristic_improvements = 0, repaired_improvements = 0;
  bool soft_max_root = false;
  if (dense_mode) {
    detail::DenseSearchInput in;
    in.d = &d;
    in.T = T;
    in.Traw = Traw;
    in.have_incumbent = have_inc;
    in.incumbent = inc;
    in.time_limit_s = time_limit;
    in.t0 = t0;
    in.lambda = dense_lambda;
    in.messages = dense_messages;
    detail::DenseSearchOutput out = detail::dense_branch_and_bound(in);
    if (!out.lambda.empty()) {  // warm start of the next solve (a sweep)
      dense_lambda = std::move(out.lambda);
      dense_messages = std::move(out.messages);
    }
    if (out.found) {
      have_inc = true;
      inc = out.objective;
      inc_sel.resize(G);
      for (int g = 0; g < G; ++g) inc_sel[g] = d.orig[g][out.selection[g]];
    }
    aborted = out.aborted;
    open_bound = out.open_bound;
    root = out.root_bound;
    nodes = out.nodes;
    sweeps = out.sweeps;
    heuristic_improvements = out.heuristic_improvements;
    repaired_improvements = out.repaired_improvements;
    soft_max_root = out.soft_max_root;
  } else {
    optimize_lambda();
    if (!cannot_fit()) {
      root = lagrangian(lambda);
      dfs_cover(0, root);
    }
  }
  Result r;
  r.method = "exact";
  if (have_inc) {
    r.selection = inc_sel;
    r.status = aborted ? Status::Feasible : Status::Optimal;
    r.has_bound = true;
    r.bound = aborted ? std::max(inc, open_bound) : inc;
  } else if (aborted) {  // not proven infeasible: say so, never `infeasible`
    r.status = Status::TimeLimit;
    r.message = "time limit reached before any feasible selection was found (infeasibility not proven)";
    r.has_bound = open_bound > -kInf;
    r.bound = open_bound;
  } else {
    r.status = Status::Infeasible;
  }
  r.set_stat("nodes", static_cast<double>(nodes));
  r.set_stat("cover_groups", static_cast<double>(cover.size()));
  r.set_stat("cover_leaves", static_cast<double>(cover_leaves));
  r.set_stat("root_bound", root);
  int removed = 0;
  for (int g = 0; g < G; ++g) removed += static_cast<int>(prob.groups[g].options.size()) - d.n[g];
  r.set_stat("dominated_options", removed);
  r.set_stat("timed_out", aborted ? 1 : 0);
  r.set_stat("dense_search", dense_mode ? 1 : 0);
  if (dense_mode) {
    r.set_stat("mplp_sweeps", static_cast<double>(sweeps));
    r.set_stat("heuristic_improvements", static_cast<double>(heuristic_improvements));
    r.set_stat("repaired_improvements", static_cast<double>(repaired_improvements));
    r.set_stat("soft_max_root", soft_max_root ? 1 : 0);
  }
  r.solve_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

ExactSolver::ExactSolver(const Problem& p) : impl_(std::make_unique<Impl>(p)) {}
ExactSolver::~ExactSolver() = default;

namespace {

// Runs fn on a thread with a stack of `bytes`, rethrowing what it throws; runs it here when no
// such thread can be made.
template <typename F>
void run_with_stack(size_t bytes, F& fn) {
  struct Ctx {
    F* fn;
    std::exception_ptr err;
  } ctx{&fn, nullptr};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_t th;
  const bool made = pthread_attr_setstacksize(&attr, bytes) == 0 &&
                    pthread_create(&th, &attr, [](void* p) -> void* {
                      auto* c = static_cast<Ctx*>(p);
                      try {
                        (*c->fn)();
                      } catch (...) {
                        c->err = std::current_exception();
                      }
                      return nullptr;
                    }, &ctx) == 0;
  pthread_attr_destroy(&attr);
  if (!made) {
    fn();
    return;
  }
  pthread_join(th, nullptr);
  if (ctx.err) std::rethrow_exception(ctx.err);
}

}  // namespace

Result ExactSolver::solve(const ExactOptions& opt, const std::vector<double>* maxes, const std::vector<int>* hint) {
  // The searches recurse once per group (a frame of about 1-2 KB): problems with thousands of
  // groups get a thread whose stack holds them (virtual memory; only the pages used are touched).
  Result r;
  auto run = [&] { r = impl_->run(opt, maxes, hint); };
  const size_t groups = impl_->prob.groups.size();
  if (groups > 1000)
    run_with_stack(16u * 1024 * 1024 + groups * 8192, run);
  else
    run();
  fill_result(impl_->prob, r, maxes);
  return r;
}

Result solve_exact(const Problem& p, const ExactOptions& opt) {
  // The time limit counts the preprocessing too: what is left of it goes to the search (a little
  // is always left, so that the search returns at once with a valid bound).
  const auto t0 = std::chrono::steady_clock::now();
  ExactSolver s(p);
  ExactOptions left = opt;
  if (opt.time_limit_s > 0)
    left.time_limit_s =
        std::max(1e-9, opt.time_limit_s - std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return s.solve(left);
}

double min_constraint_value(const Problem& p, int k) {
  Problem q;
  q.groups = p.groups;
  q.objective = p.constraints.at(k).expr;
  q.objective.constant = -q.objective.constant;
  for (auto& t : q.objective.linear) t.coef = -t.coef;
  for (auto& t : q.objective.bilinear) t.coef = -t.coef;
  Result r = solve_exact(q);
  return -r.objective;
}

}  // namespace iqnas::solver
