// `binas-bcfw`: the block-coordinate Frank-Wolfe of the reference code, kept as it is there so that
// comparisons with it are fair (docs/solver.md). What differs from `relax` on purpose: the start
// (the smallest point, not a feasible optimum of the budgets), the step (fixed gamma, momentum
// averaged gradients, a random block), the rounding (sparsify + argmax, no guarantee: a broken
// budget is reported, not repaired). One difference from the reference that cannot be avoided:
// its LPs go through an interior-point method, ours through the simplex of solver/lp.h (vertices).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "solver/detail/dense.h"
#include "solver/heuristics.h"
#include "solver/detail/relaxation.h"
#include "util/rng.h"

namespace iqnas::solver {

namespace {

// Two blocks such that every bilinear term joins them: a 2-colouring of the interaction graph,
// each component started with colour 0 at its lowest-index group (so groups without any bilinear
// term are in block 0, like the reference's alpha block).
std::vector<std::vector<int>> two_blocks(const Problem& p, const DenseProblem& d) {
  std::vector<int> colour(d.G, -1);
  for (int s = 0; s < d.G; ++s) {
    if (colour[s] >= 0) continue;
    colour[s] = 0;
    std::vector<int> queue{s};
    for (size_t i = 0; i < queue.size(); ++i) {
      const int g = queue[i];
      for (int ei : d.adj[g]) {
        const int h = d.other(d.edges[ei], g);
        if (colour[h] < 0) {
          colour[h] = 1 - colour[g];
          queue.push_back(h);
        } else if (colour[h] == colour[g]) {
          throw std::invalid_argument(
              "binas-bcfw: the problem cannot be split into two blocks with every bilinear term between them "
              "(the interaction graph has an odd cycle through groups '" +
              p.groups[g].name + "' and '" + p.groups[h].name + "'); use relax, which takes any number of blocks");
        }
      }
    }
  }
  std::vector<std::vector<int>> blocks(2);
  for (int g = 0; g < d.G; ++g) blocks[colour[g]].push_back(g);
  return blocks;
}

// The smallest point: per group, the option with the least sum over budgets of its linear
// coefficient plus its mean product with the options of every neighbouring group, each budget
// divided by its maximum (in the method's problem: the smallest block, the shallowest depth).
std::vector<int> smallest_point(const DenseProblem& d) {
  std::vector<int> sel(d.G, 0);
  for (int g = 0; g < d.G; ++g) {
    double best = 0;
    for (int o = 0; o < d.n[g]; ++o) {
      double score = 0;
      for (int k = 0; k < d.K; ++k) {
        double v = d.lin_at(g, o)[k + 1];
        for (int ei : d.adj[g]) {
          const auto& e = d.edges[ei];
          const int h = d.other(e, g);
          double mean = 0;
          for (int m = 0; m < d.n[h]; ++m) mean += (e.a == g ? d.q_at(e, o, m) : d.q_at(e, m, o))[k + 1];
          v += mean / d.n[h];
        }
        score += v / std::max(1e-12, std::fabs(d.rhs[k]));
      }
      if (o == 0 || score < best) {
        best = score;
        sel[g] = o;
      }
    }
  }
  return sel;
}

}  // namespace

Result solve_binas_bcfw(const Problem& p, const BcfwOptions& opt) {
  if (opt.steps < 0 || opt.sparsify_lps < 0 || !(opt.gamma > 0 && opt.gamma <= 1) ||
      !(opt.momentum >= 0 && opt.momentum < 1))
    throw std::invalid_argument("binas-bcfw: steps and sparsify LPs must be >= 0, gamma in (0, 1], momentum in [0, 1)");
  DenseProblem d(p);
  const std::vector<std::vector<int>> blocks = two_blocks(p, d);
  const int G = d.G, K = d.K, R = d.R;
  detail::Relaxation rx(d);
  const std::vector<int> start = smallest_point(d);
  for (int g = 0; g < G; ++g) {
    rx.x[g].assign(d.n[g], 0.0);
    rx.x[g][start[g]] = 1.0;
  }
  std::vector<double> rv;
  double max_violation = 0;  // worst budget excess of the iterates, relative
  auto rows = [&]() {
    rx.rows(rv);
    for (int k = 0; k < K; ++k)
      max_violation = std::max(max_violation, (rv[k + 1] - d.rhs[k]) / std::max(1.0, std::fabs(d.rhs[k])));
    return rv[0];
  };
  const double start_value = rows();
  detail::LpCounters lpc;
  util::Rng rng(opt.seed);
  std::vector<double> avg(d.off[G - 1] + d.n[G - 1], 0.0), cf, obj;
  std::vector<std::vector<double>> y;
  int block_steps[2] = {0, 0};
  for (int t = 0; t < opt.steps; ++t) {
    for (int g = 0; g < G; ++g) {  // gradient of the objective at x, momentum-averaged
      rx.coefs(g, cf);
      for (int o = 0; o < d.n[g]; ++o)
        avg[d.off[g] + o] = opt.momentum * avg[d.off[g] + o] + (1 - opt.momentum) * cf[o * R];
    }
    const int c = t < 2 ? t : static_cast<int>(rng.coin());
    if (blocks[c].empty()) continue;
    obj.clear();
    for (int g : blocks[c]) obj.insert(obj.end(), avg.begin() + d.off[g], avg.begin() + d.off[g] + d.n[g]);
    if (!detail::block_lp(rx, blocks[c], obj, y, lpc)) continue;
    ++block_steps[c];
    for (size_t i = 0; i < blocks[c].size(); ++i) {
      auto& xg = rx.x[blocks[c][i]];
      for (size_t o = 0; o < xg.size(); ++o) xg[o] += opt.gamma * (y[i][o] - xg[o]);
    }
  }
  const double relaxation_value = rows();
  // sparsify: alternating LPs maximising the overlap with the BCFW point, full steps.
  const std::vector<std::vector<double>> x0 = rx.x;
  int sparsify_done = 0;
  for (int t = 0; t < opt.sparsify_lps; ++t) {
    const int c = t % 2;
    if (blocks[c].empty()) continue;
    obj.clear();
    for (int g : blocks[c]) obj.insert(obj.end(), x0[g].begin(), x0[g].end());
    if (!detail::block_lp(rx, blocks[c], obj, y, lpc)) continue;
    ++sparsify_done;
    for (size_t i = 0; i < blocks[c].size(); ++i) rx.x[blocks[c][i]] = y[i];
  }
  const double sparsified_value = rows();
  Result res;
  res.method = "binas-bcfw";
  res.selection.resize(G);
  for (int g = 0; g < G; ++g)
    res.selection[g] = static_cast<int>(std::max_element(rx.x[g].begin(), rx.x[g].end()) - rx.x[g].begin());
  fill_result(p, res);
  double excess = 0;
  std::string broken;
  for (int k = 0; k < K; ++k) {
    if (within_budget(res.constraint_values[k], res.constraint_max[k])) continue;
    const double rel = (res.constraint_values[k] - res.constraint_max[k]) / std::max(1.0, std::fabs(res.constraint_max[k]));
    excess = std::max(excess, rel);
    char buf[200];
    std::snprintf(buf, sizeof buf, "%s%s = %.6g > max %.6g", broken.empty() ? "" : ", ", p.constraints[k].name.c_str(),
                  res.constraint_values[k], res.constraint_max[k]);
    broken += buf;
  }
  res.status = broken.empty() ? Status::Feasible : Status::BudgetExceeded;
  if (!broken.empty()) res.message = "binas-bcfw: the argmax rounding broke the budget: " + broken;
  res.set_stat("budget_broken", broken.empty() ? 0 : 1);
  res.set_stat("max_budget_excess", excess);
  res.set_stat("start_value", start_value);
  res.set_stat("relaxation_value", relaxation_value);
  res.set_stat("sparsified_value", sparsified_value);
  res.set_stat("max_iterate_violation", std::max(0.0, max_violation));
  res.set_stat("bcfw_steps", opt.steps);
  res.set_stat("block0_steps", block_steps[0]);
  res.set_stat("block1_steps", block_steps[1]);
  res.set_stat("block0_groups", static_cast<double>(blocks[0].size()));
  res.set_stat("block1_groups", static_cast<double>(blocks[1].size()));
  res.set_stat("sparsify_lps", sparsify_done);
  res.set_stat("lps", lpc.lps);
  res.set_stat("lp_pivots", lpc.pivots);
  res.set_stat("lp_failures", lpc.failures);
  return res;
}

}  // namespace iqnas::solver
