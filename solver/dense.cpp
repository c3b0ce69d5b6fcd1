#include "solver/detail/dense.h"

#include <algorithm>
#include <limits>
#include <map>

namespace iqnas::solver {

DenseProblem::DenseProblem(const Problem& p) {
  G = p.num_groups();
  K = static_cast<int>(p.constraints.size());
  R = K + 1;
  n.resize(G);
  off.resize(G);
  std::vector<int> group_of, option_of;
  int total = 0;
  for (int g = 0; g < G; ++g) {
    n[g] = static_cast<int>(p.groups[g].options.size());
    off[g] = total;
    for (int o = 0; o < n[g]; ++o) {
      group_of.push_back(g);
      option_of.push_back(o);
    }
    total += n[g];
  }
  cst.assign(R, 0.0);
  lin.assign(static_cast<size_t>(total) * R, 0.0);
  rhs.resize(K);
  adj.assign(G, {});
  orig.resize(G);
  for (int g = 0; g < G; ++g)
    for (int o = 0; o < n[g]; ++o) orig[g].push_back(o);
  std::map<std::pair<int, int>, int> edge_of;
  auto add_row = [&](const Expression& e, int r) {
    cst[r] += e.constant;
    for (const auto& t : e.linear) lin[static_cast<size_t>(t.var) * R + r] += t.coef;
    for (const auto& t : e.bilinear) {
      int ga = group_of[t.var_i], gb = group_of[t.var_j];
      int oa = option_of[t.var_i], ob = option_of[t.var_j];
      if (ga == gb) {  // inside one one-hot group: x*x = x, and two different options are never both on
        if (t.var_i == t.var_j) lin[static_cast<size_t>(t.var_i) * R + r] += t.coef;
        continue;
      }
      if (ga > gb) {
        std::swap(ga, gb);
        std::swap(oa, ob);
      }
      auto it = edge_of.find({ga, gb});
      int ei;
      if (it == edge_of.end()) {
        ei = static_cast<int>(edges.size());
        edge_of[{ga, gb}] = ei;
        Edge ed;
        ed.a = ga;
        ed.b = gb;
        ed.q.assign(static_cast<size_t>(n[ga]) * n[gb] * R, 0.0);
        edges.push_back(std::move(ed));
        adj[ga].push_back(ei);
        adj[gb].push_back(ei);
      } else {
        ei = it->second;
      }
      edges[ei].q[(static_cast<size_t>(oa) * n[gb] + ob) * R + r] += t.coef;
    }
  };
  add_row(p.objective, 0);
  for (int k = 0; k < K; ++k) {
    add_row(p.constraints[k].expr, k + 1);
    rhs[k] = p.constraints[k].max;
  }
}

void DenseProblem::eval(const int* sel, double* rows) const {
  for (int r = 0; r < R; ++r) rows[r] = cst[r];
  for (int g = 0; g < G; ++g) {
    const double* l = lin_at(g, sel[g]);
    for (int r = 0; r < R; ++r) rows[r] += l[r];
  }
  for (const auto& e : edges) {
    const double* q = q_at(e, sel[e.a], sel[e.b]);
    for (int r = 0; r < R; ++r) rows[r] += q[r];
  }
}

bool DenseProblem::feasible(const double* rows) const { return feasible(rows, rhs.data()); }

bool DenseProblem::feasible(const double* rows, const double* maxes) const {
  for (int k = 0; k < K; ++k)
    if (!within_budget(rows[k + 1], maxes[k])) return false;
  return true;
}

std::vector<double> DenseProblem::row_spread() const {
  std::vector<double> spread(R, 0.0);
  for (int g = 0; g < G; ++g)
    for (int r = 0; r < R; ++r) {
      double lo = std::numeric_limits<double>::infinity(), hi = -lo;
      for (int o = 0; o < n[g]; ++o) {
        lo = std::min(lo, lin_at(g, o)[r]);
        hi = std::max(hi, lin_at(g, o)[r]);
      }
      if (n[g] > 0) spread[r] += hi - lo;
    }
  for (const auto& e : edges)
    for (int r = 0; r < R; ++r) {
      double lo = 0, hi = 0;
      for (size_t i = r; i < e.q.size(); i += R) {
        lo = std::min(lo, e.q[i]);
        hi = std::max(hi, e.q[i]);
      }
      spread[r] += hi - lo;
    }
  return spread;
}

DenseProblem DenseProblem::restrict(const std::vector<std::vector<int>>& keep) const {
  DenseProblem d;
  d.G = G;
  d.K = K;
  d.R = R;
  d.cst = cst;
  d.rhs = rhs;
  d.adj = adj;
  d.n.resize(G);
  d.off.resize(G);
  d.orig.resize(G);
  int total = 0;
  for (int g = 0; g < G; ++g) {
    d.n[g] = static_cast<int>(keep[g].size());
    d.off[g] = total;
    total += d.n[g];
    for (int o : keep[g]) {
      d.orig[g].push_back(orig[g][o]);
      const double* l = lin_at(g, o);
      d.lin.insert(d.lin.end(), l, l + R);
    }
  }
  for (const auto& e : edges) {
    Edge ne;
    ne.a = e.a;
    ne.b = e.b;
    for (int oa : keep[e.a])
      for (int ob : keep[e.b]) {
        const double* q = q_at(e, oa, ob);
        ne.q.insert(ne.q.end(), q, q + R);
      }
    d.edges.push_back(std::move(ne));
  }
  return d;
}

std::vector<std::vector<int>> DenseProblem::undominated() const {
  std::vector<std::vector<int>> keep(G);
  // 1 if x is at least as good as y in row r (objective: larger; constraints: smaller),
  // and whether strictly better.
  auto cmp = [&](const double* x, const double* y, bool& strict) {
    if (x[0] < y[0]) return false;
    if (x[0] > y[0]) strict = true;
    for (int r = 1; r < R; ++r) {
      if (x[r] > y[r]) return false;
      if (x[r] < y[r]) strict = true;
    }
    return true;
  };
  for (int g = 0; g < G; ++g) {
    for (int o = 0; o < n[g]; ++o) {
      bool dominated = false;
      for (int p = 0; p < n[g] && !dominated; ++p) {
        if (p == o) continue;
        bool strict = false;
        bool ok = cmp(lin_at(g, p), lin_at(g, o), strict);
        for (size_t t = 0; ok && t < adj[g].size(); ++t) {
          const Edge& e = edges[adj[g][t]];
          const int h = other(e, g);
          for (int m = 0; ok && m < n[h]; ++m) {
            const double* qp = e.a == g ? q_at(e, p, m) : q_at(e, m, p);
            const double* qo = e.a == g ? q_at(e, o, m) : q_at(e, m, o);
            ok = cmp(qp, qo, strict);
          }
        }
        if (ok && (strict || p < o)) dominated = true;
      }
      if (!dominated) keep[g].push_back(o);
    }
  }
  return keep;
}

}  // namespace iqnas::solver
