// `relax`: block-coordinate Frank-Wolfe on the continuous relaxation with alternating block LPs,
// then rounding with a guarantee (METHOD.md section 7), generalised to any interaction graph:
// - the groups are coloured so that no bilinear term joins two groups of one colour; each colour
//   is a block, in which every row is linear once the other blocks are fixed;
// - a Frank-Wolfe step on a block solves the LP "maximise the objective's gradient over the
//   block's simplices subject to every budget (linear in the block)"; the objective is linear in
//   the block, so exact line search takes the full step, and every iterate stays feasible
//   (the LP's feasible set contains the current point);
// - the final block LPs return vertices, so each block has at most K fractional groups (checked);
//   each fractional group is rounded to its cheapest option in its support, which keeps every
//   budget when that option is cheapest for all of them (always true with one budget); otherwise
//   to the supported option that keeps the budgets (or exceeds them least), then a greedy repair.
#include <algorithm>
#include <chrono>
#include <cmath>

#include <optional>

#include "solver/detail/dense.h"
#include "solver/exact.h"
#include "solver/heuristics.h"
#include "solver/detail/lp.h"
#include "solver/detail/relaxation.h"
#include "solver/solve.h"

namespace iqnas::solver {

using detail::Relaxation;

Result solve_relax(const Problem& p, const RelaxOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto deadline = opt.time_limit_s > 0 ? t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                         std::chrono::duration<double>(opt.time_limit_s))
                                             : std::chrono::steady_clock::time_point::max();
  DenseProblem d(p);
  Result res;
  res.method = "relax";
  const int G = d.G, K = d.K, R = d.R;
  // Colour the interaction graph (largest degree first): the blocks.
  std::vector<int> color(G, -1), order(G);
  for (int g = 0; g < G; ++g) order[g] = g;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return d.adj[a].size() > d.adj[b].size(); });
  int ncolors = 0;
  for (int g : order) {
    std::vector<char> used(ncolors + 1, 0);
    for (int ei : d.adj[g]) {
      const int c = color[d.other(d.edges[ei], g)];
      if (c >= 0) used[c] = 1;
    }
    int c = 0;
    while (used[c]) ++c;
    color[g] = c;
    ncolors = std::max(ncolors, c + 1);
  }
  std::vector<std::vector<int>> blocks(ncolors);
  for (int g = 0; g < G; ++g) blocks[color[g]].push_back(g);

  for (const auto& b : blocks) detail::check_block_lp_size(d, b);  // before any work

  // Start from the "smallest" selection: the least sum of budget rows, each scaled by its budget.
  std::optional<std::vector<int>> start;
  {
    Problem q;
    q.groups = p.groups;
    q.constraints = p.constraints;
    for (const auto& c : p.constraints) {
      const double s = -1.0 / std::max(1e-12, std::fabs(c.max));
      for (const auto& t : c.expr.linear) q.objective.linear.push_back({t.var, s * t.coef});
      for (const auto& t : c.expr.bilinear) q.objective.bilinear.push_back({t.var_i, t.var_j, s * t.coef});
    }
    ExactOptions eo;
    eo.time_limit_s = opt.time_limit_s;
    Result r = solve_exact(q, eo);
    if (!r.selection.empty()) start = r.selection;
    if (!start && r.status == Status::TimeLimit) {
      res.status = Status::TimeLimit;
      res.message = "the time limit came before a starting selection was found";
      res.set_stat("timed_out", 1);
      fill_result(p, res);
      return res;
    }
  }
  if (!start) {
    res.status = Status::Infeasible;
    fill_result(p, res);
    return res;
  }
  Relaxation rx(d);
  for (int g = 0; g < G; ++g) {
    rx.x[g].assign(d.n[g], 0.0);
    rx.x[g][(*start)[g]] = 1.0;
  }
  std::vector<double> rv;
  double max_violation = 0;  // worst budget excess over all iterates, relative
  auto check_iterate = [&]() {
    rx.rows(rv);
    for (int k = 0; k < K; ++k)
      max_violation = std::max(max_violation, (rv[k + 1] - d.rhs[k]) / std::max(1.0, std::fabs(d.rhs[k])));
    return rv[0];
  };
  detail::LpCounters lpc;
  // Solves block c's LP with the other blocks at x; returns false when the LP failed.
  auto block_lp = [&](int c, std::vector<std::vector<double>>& y, double smooth = 0.0) {
    std::vector<double> obj, cf;
    for (int g : blocks[c]) {
      if (smooth > 0) {  // objective seen from a point mixed with the uniform one
        Relaxation sm(d);
        sm.x = rx.x;
        for (auto& xg : sm.x)
          for (auto& v : xg) v = (1 - smooth) * v + smooth / xg.size();
        sm.coefs(g, cf);
      } else {
        rx.coefs(g, cf);
      }
      for (int o = 0; o < d.n[g]; ++o) obj.push_back(cf[o * R]);
    }
    return detail::block_lp(rx, blocks[c], obj, y, lpc, deadline);
  };

  double value = check_iterate();
  // Frank-Wolfe phase: open-loop steps 2 / (t + 2) towards each block's LP solution; mixing two
  // feasible points of a block keeps every budget (the rows are linear in the block).
  auto out_of_time = [&] { return std::chrono::steady_clock::now() > deadline; };
  int cycles = 0, steps = 0;
  for (; cycles < opt.fw_cycles && !out_of_time(); ++cycles) {
    for (int c = 0; c < ncolors; ++c) {
      std::vector<std::vector<double>> y;
      if (!block_lp(c, y, opt.smoothing)) continue;
      const double gamma = 2.0 / (steps + 2.0);
      ++steps;
      for (size_t i = 0; i < blocks[c].size(); ++i) {
        auto& xg = rx.x[blocks[c][i]];
        for (size_t o = 0; o < xg.size(); ++o) xg[o] = (1 - gamma) * xg[o] + gamma * y[i][o];
      }
      value = check_iterate();
    }
  }
  // Alternating LPs: full steps (exact line search; the objective is linear in a block) until no
  // block improves. The last LP solutions are vertices.
  int alt = 0;
  for (; alt < opt.max_cycles && !out_of_time(); ++alt) {
    const double before = value;
    for (int c = 0; c < ncolors; ++c) {
      std::vector<std::vector<double>> y;
      if (!block_lp(c, y)) continue;
      auto saved = rx.x;
      for (size_t i = 0; i < blocks[c].size(); ++i) rx.x[blocks[c][i]] = y[i];
      rx.rows(rv);
      if (rv[0] + 1e-12 * std::max(1.0, std::fabs(value)) < value) {
        rx.x = saved;
        continue;
      }
      value = check_iterate();
    }
    if (value - before <= 1e-10 * std::max(1.0, std::fabs(before))) {
      ++alt;
      break;
    }
  }
  const double relaxation_value = value;
  auto fractional = [&](int g) {
    int nz = 0;
    for (double v : rx.x[g]) nz += v > 1e-9;
    return nz > 1;
  };
  int max_frac = 0;
  for (int c = 0; c < ncolors; ++c) {
    int f = 0;
    for (int g : blocks[c]) f += fractional(g);
    max_frac = std::max(max_frac, f);
  }
  // Rounding: block by block, re-solve the block LP against the blocks already rounded, then
  // send each fractional group to its cheapest supported option.
  bool guarantee = true;
  for (int c = 0; c < ncolors; ++c) {
    std::vector<std::vector<double>> y;
    if (!out_of_time() && block_lp(c, y))  // past the limit: round the current point as it is
      for (size_t i = 0; i < blocks[c].size(); ++i) rx.x[blocks[c][i]] = y[i];
    for (int g : blocks[c]) {
      if (!fractional(g)) {
        const int o = static_cast<int>(std::max_element(rx.x[g].begin(), rx.x[g].end()) - rx.x[g].begin());
        rx.x[g].assign(d.n[g], 0.0);
        rx.x[g][o] = 1.0;
        continue;
      }
      std::vector<double> cf;
      rx.coefs(g, cf);
      int best = -1;
      for (int o = 0; o < d.n[g]; ++o) {
        if (rx.x[g][o] <= 1e-9) continue;
        if (best < 0) {
          best = o;
          continue;
        }
        // cheaper in every budget (ties: better objective) wins
        bool le = true, lt = false;
        for (int k = 0; k < K; ++k) {
          le = le && cf[o * R + k + 1] <= cf[best * R + k + 1];
          lt = lt || cf[o * R + k + 1] < cf[best * R + k + 1];
        }
        if (le && (lt || cf[o * R] > cf[best * R])) best = o;
      }
      bool cheapest_in_all = true;
      for (int o = 0; o < d.n[g]; ++o)
        if (rx.x[g][o] > 1e-9)
          for (int k = 0; k < K; ++k)
            if (cf[o * R + k + 1] < cf[best * R + k + 1]) cheapest_in_all = false;
      if (!cheapest_in_all) {
        // Several budgets and no option cheapest in all of them: the supported option that keeps
        // every budget at the current point with the best objective, else the least excess.
        guarantee = false;
        const std::vector<double> keep = rx.x[g];
        int pick = -1;
        double pick_obj = 0, pick_excess = 0;
        for (int o = 0; o < d.n[g]; ++o) {
          if (keep[o] <= 1e-9) continue;
          rx.x[g].assign(d.n[g], 0.0);
          rx.x[g][o] = 1.0;
          rx.rows(rv);
          double excess = 0;
          for (int k = 0; k < K; ++k)
            excess = std::max(excess, (rv[k + 1] - d.rhs[k]) / std::max(1.0, std::fabs(d.rhs[k])));
          excess = std::max(excess, 0.0);
          if (pick < 0 || excess < pick_excess || (excess == pick_excess && rv[0] > pick_obj)) {
            pick = o;
            pick_obj = rv[0];
            pick_excess = excess;
          }
        }
        best = pick;
      }
      rx.x[g].assign(d.n[g], 0.0);
      rx.x[g][best] = 1.0;
    }
  }
  std::vector<int> sel(G);
  for (int g = 0; g < G; ++g)
    sel[g] = static_cast<int>(std::max_element(rx.x[g].begin(), rx.x[g].end()) - rx.x[g].begin());
  std::vector<double> rows(R);
  d.eval(sel.data(), rows.data());
  bool rounded_feasible = d.feasible(rows.data());
  int repairs = 0;
  if (!rounded_feasible) {
    // Repair: change the one group whose change lowers the total relative excess most (ties:
    // better objective) until every budget holds.
    auto excess = [&](const double* rw) {
      double e = 0;
      for (int k = 0; k < K; ++k) e += std::max(0.0, (rw[k + 1] - d.rhs[k]) / std::max(1.0, std::fabs(d.rhs[k])));
      return e;
    };
    std::vector<double> r2(R);
    while (!d.feasible(rows.data()) && repairs < 4 * G && !out_of_time()) {
      const double cur = excess(rows.data());
      int bg = -1, bo = -1;
      double be = cur, bobj = 0;
      for (int g = 0; g < G; ++g) {
        const int keep = sel[g];
        for (int o = 0; o < d.n[g]; ++o) {
          if (o == keep) continue;
          sel[g] = o;
          d.eval(sel.data(), r2.data());
          const double e = excess(r2.data());
          if (e < be || (bg >= 0 && e == be && r2[0] > bobj)) {
            bg = g;
            bo = o;
            be = e;
            bobj = r2[0];
          }
        }
        sel[g] = keep;
      }
      if (bg < 0) break;
      sel[bg] = bo;
      d.eval(sel.data(), rows.data());
      ++repairs;
    }
    if (!d.feasible(rows.data())) {
      sel = *start;  // never return an infeasible selection
      d.eval(sel.data(), rows.data());
    }
  }
  const double rounded_value = rows[0];
  // Integer 1-opt polish: change one group at a time while that helps and fits.
  int moves = 0;
  if (opt.local_search) {
    bool improved = true;
    std::vector<double> r2(R);
    while (improved) {
      improved = false;
      for (int g = 0; g < G && !out_of_time(); ++g) {
        const int keep = sel[g];
        int best = keep;
        double best_val = rows[0];
        for (int o = 0; o < d.n[g]; ++o) {
          if (o == keep) continue;
          sel[g] = o;
          d.eval(sel.data(), r2.data());
          if (d.feasible(r2.data()) && r2[0] > best_val + 1e-12 * std::max(1.0, std::fabs(best_val))) {
            best = o;
            best_val = r2[0];
          }
        }
        sel[g] = best;
        if (best != keep) {
          improved = true;
          ++moves;
          d.eval(sel.data(), rows.data());
        }
      }
    }
  }
  res.status = Status::Feasible;
  res.selection = sel;
  res.set_stat("relaxation_value", relaxation_value);
  res.set_stat("rounded_value", rounded_value);
  res.set_stat("blocks", ncolors);
  res.set_stat("fw_steps", steps);
  res.set_stat("alternating_cycles", alt);
  res.set_stat("timed_out", out_of_time() ? 1 : 0);
  res.set_stat("lps", lpc.lps);
  res.set_stat("lp_pivots", lpc.pivots);
  res.set_stat("lp_failures", lpc.failures);
  res.set_stat("max_iterate_violation", max_violation);
  res.set_stat("max_fractional_groups_per_block", max_frac);
  res.set_stat("fractional_check_ok", max_frac <= K ? 1 : 0);
  res.set_stat("rounding_guarantee_held", guarantee && rounded_feasible ? 1 : 0);
  res.set_stat("local_search_moves", moves);
  res.set_stat("repair_moves", repairs);
  fill_result(p, res);
  res.solve_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace iqnas::solver
