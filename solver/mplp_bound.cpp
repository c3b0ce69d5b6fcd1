#include "solver/detail/mplp_bound.h"

#include <algorithm>
#include <limits>
#include <set>
#include <tuple>

namespace iqnas::solver::detail {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
// Triangles scored per call of add_triplets (each costs options^3): a bound on the root's work.
constexpr int kMaxScoredTriangles = 20000;
}  // namespace

MplpBound::MplpBound(const DenseProblem& d)
    : d_(d), G_(d.G), K_(d.K), R_(d.R), E_(static_cast<int>(d.edges.size())) {
  nv_ = d.off.empty() ? 0 : d.off[G_ - 1] + d.n[G_ - 1];
  moff_.resize(E_);
  int m = 0;
  for (int e = 0; e < E_; ++e) {
    moff_[e] = m;
    m += d.n[d.edges[e].a] + d.n[d.edges[e].b];
  }
  msg_.assign(m, 0.0);
  bel_.assign(nv_, 0.0);
  allowed_.assign(nv_, 1);
  tu_.assign(nv_, 0.0);
  te_.resize(E_);
  xoff_.assign(E_, -1);
  int nmax = 1;
  for (int g = 0; g < G_; ++g) nmax = std::max(nmax, d.n[g]);
  sA_.resize(3 * nmax);
  sB_.resize(3 * nmax);
  sM_.resize(nmax);
  sT_.resize(static_cast<size_t>(nmax) * nmax);
  sF_.resize(3 * static_cast<size_t>(nmax) * nmax);
  edge_of_.assign(static_cast<size_t>(G_) * G_, -1);
  for (int e = 0; e < E_; ++e) edge_of_[static_cast<size_t>(d.edges[e].a) * G_ + d.edges[e].b] = e;
}

void MplpBound::set_lambda(const std::vector<double>& l, const std::vector<double>& T) {
  lam_ = l;
  const auto& d = d_;
  cw_ = d.cst[0];
  for (int k = 0; k < K_; ++k) cw_ += -lam_[k] * d.cst[k + 1] + lam_[k] * T[k];
  for (int v = 0; v < nv_; ++v) {
    const double* x = &d.lin[static_cast<size_t>(v) * R_];
    double s = x[0];
    for (int k = 0; k < K_; ++k) s -= lam_[k] * x[k + 1];
    tu_[v] = s;
  }
  for (int e = 0; e < E_; ++e) {
    const auto& q = d.edges[e].q;
    te_[e].resize(q.size() / R_);
    for (size_t i = 0; i < te_[e].size(); ++i) {
      double s = q[i * R_];
      for (int k = 0; k < K_; ++k) s -= lam_[k] * q[i * R_ + k + 1];
      te_[e][i] = s;
    }
  }
  bel_ = tu_;
  for (int e = 0; e < E_; ++e) {
    const auto& ed = d.edges[e];
    const double* m = &msg_[moff_[e]];
    for (int o = 0; o < d.n[ed.a]; ++o) bel_[d.off[ed.a] + o] += m[o];
    for (int o = 0; o < d.n[ed.b]; ++o) bel_[d.off[ed.b] + o] += m[d.n[ed.a] + o];
  }
  for (const auto& t : tris_) {
    const double* m = &tri_[t.off + d.n[t.g[0]] * d.n[t.g[1]] + d.n[t.g[0]] * d.n[t.g[2]] + d.n[t.g[1]] * d.n[t.g[2]]];
    for (int i = 0; i < 3; ++i)
      for (int o = 0; o < d.n[t.g[i]]; ++o) bel_[d.off[t.g[i]] + o] += *m++;
  }
}

bool MplpBound::set_messages(const std::vector<double>& m) {
  if (m.size() != msg_.size() || !tris_.empty()) return false;
  msg_ = m;
  return true;
}

// One MPLP update of edge e: afterwards the edge's residual is <= 0 on the domains and the edge
// with its two beliefs is bounded exactly.
void MplpBound::update_edge(int e) {
  const auto& ed = d_.edges[e];
  const int a = ed.a, b = ed.b, na = d_.n[a], nb = d_.n[b];
  double* ma = &msg_[moff_[e]];
  double* mb = ma + na;
  double* ba = &bel_[d_.off[a]];
  double* bb = &bel_[d_.off[b]];
  const char* al = &allowed_[d_.off[a]];
  const char* bl = &allowed_[d_.off[b]];
  const double* th = te_[e].data();
  if (xoff_[e] >= 0) {  // the part moved into triplets is no longer the edge's
    const double* x = &xe_[xoff_[e]];
    for (int i = 0; i < na * nb; ++i) sT_[i] = th[i] + x[i];
    th = sT_.data();
  }
  double* sB = sB_.data();
  double* sM = sM_.data();
  for (int ob = 0; ob < nb; ++ob)
    if (bl[ob]) {
      sB[ob] = bb[ob] - mb[ob];
      sM[ob] = -kInf;
    }
  for (int oa = 0; oa < na; ++oa) {
    if (!al[oa]) continue;
    const double A = ba[oa] - ma[oa];
    double Ma = -kInf;
    const double* row = th + static_cast<size_t>(oa) * nb;
    for (int ob = 0; ob < nb; ++ob) {
      if (!bl[ob]) continue;
      Ma = std::max(Ma, row[ob] + sB[ob]);
      sM[ob] = std::max(sM[ob], row[ob] + A);
    }
    ma[oa] = 0.5 * (Ma - A);
    ba[oa] = A + ma[oa];
  }
  for (int ob = 0; ob < nb; ++ob)
    if (bl[ob]) {
      mb[ob] = 0.5 * (sM[ob] - sB[ob]);
      bb[ob] = sB[ob] + mb[ob];
    }
}

double MplpBound::triplet_max(const Triplet& t, const double* q[3], double* mu[3]) {
  const int n0 = d_.n[t.g[0]], n1 = d_.n[t.g[1]], n2 = d_.n[t.g[2]];
  const double* A0 = sA_.data();
  const double* A1 = A0 + n0;
  const double* A2 = A1 + n1;
  const char* l0 = &allowed_[d_.off[t.g[0]]];
  const char* l1 = &allowed_[d_.off[t.g[1]]];
  const char* l2 = &allowed_[d_.off[t.g[2]]];
  if (mu)
    for (int i = 0; i < 3; ++i) std::fill(mu[i], mu[i] + d_.n[t.g[i]], -kInf);
  double best = -kInf;
  for (int o0 = 0; o0 < n0; ++o0) {
    if (!l0[o0]) continue;
    const double* r02 = q[1] + static_cast<size_t>(o0) * n2;
    for (int o1 = 0; o1 < n1; ++o1) {
      if (!l1[o1]) continue;
      const double base = A0[o0] + A1[o1] + q[0][static_cast<size_t>(o0) * n1 + o1];
      const double* r12 = q[2] + static_cast<size_t>(o1) * n2;
      double m = -kInf;
      for (int o2 = 0; o2 < n2; ++o2) {
        if (!l2[o2]) continue;
        const double v = base + A2[o2] + r02[o2] + r12[o2];
        m = std::max(m, v);
        if (mu) mu[2][o2] = std::max(mu[2][o2], v);
      }
      if (mu) {
        mu[0][o0] = std::max(mu[0][o0], m);
        mu[1][o1] = std::max(mu[1][o1], m);
      }
      best = std::max(best, m);
    }
  }
  return best;
}

// The decrease of the bound that one update of a new triplet on t's groups would give: the sum of
// the three best beliefs minus the best joint value of the beliefs and the three edge residuals.
double MplpBound::triplet_gain(const Triplet& t) {
  const double* q[3];
  int k = 0;
  for (int i = 0; i < 3; ++i) {
    const int a = i < 2 ? t.g[0] : t.g[1], b = i == 0 ? t.g[1] : t.g[2];
    const int na = d_.n[a], nb = d_.n[b], e = t.e[i];
    const double* th = te_[e].data();
    const double* x = xoff_[e] >= 0 ? &xe_[xoff_[e]] : nullptr;
    const double* ma = &msg_[moff_[e]];
    const double* mb = ma + na;
    double* r = &sF_[static_cast<size_t>(k)];
    for (int oa = 0; oa < na; ++oa)
      for (int ob = 0; ob < nb; ++ob) {
        const int j = oa * nb + ob;
        r[j] = th[j] + (x ? x[j] : 0.0) - ma[oa] - mb[ob];
      }
    q[i] = r;
    k += na * nb;
  }
  double top = 0;
  double* A = sA_.data();
  for (int i = 0; i < 3; ++i) {
    const int g = t.g[i];
    for (int o = 0; o < d_.n[g]; ++o) *A++ = bel_[d_.off[g] + o];
    top += best_belief(g);
  }
  return top - triplet_max(t, q, nullptr);
}

// A triplet update (MPLP on the triplet cluster with its three groups as separators): the residuals
// of its three edges move into its pair tables, then the triplet's joint maximum is shared equally
// among its three beliefs. Afterwards the triplet's residual and its edges' are <= 0.
void MplpBound::update_triplet(const Triplet& t) {
  const int n0 = d_.n[t.g[0]], n1 = d_.n[t.g[1]], n2 = d_.n[t.g[2]];
  double* p[3] = {&tri_[t.off], &tri_[t.off + n0 * n1], &tri_[t.off + n0 * n1 + n0 * n2]};
  double* m = p[2] + n1 * n2;
  for (int i = 0; i < 3; ++i) {
    const int e = t.e[i];
    const auto& ed = d_.edges[e];
    const int na = d_.n[ed.a], nb = d_.n[ed.b];
    const double* th = te_[e].data();
    double* x = &xe_[xoff_[e]];
    const double* ma = &msg_[moff_[e]];
    const double* mb = ma + na;
    for (int oa = 0; oa < na; ++oa)
      for (int ob = 0; ob < nb; ++ob) {
        const int j = oa * nb + ob;
        const double r = th[j] + x[j] - ma[oa] - mb[ob];
        p[i][j] += r;
        x[j] -= r;
      }
  }
  double* A = sA_.data();
  const double* mi = m;
  for (int i = 0; i < 3; ++i) {
    const int g = t.g[i];
    for (int o = 0; o < d_.n[g]; ++o) *A++ = bel_[d_.off[g] + o] - *mi++;
  }
  double* mu[3] = {sB_.data(), sB_.data() + n0, sB_.data() + n0 + n1};
  const double* q[3] = {p[0], p[1], p[2]};
  triplet_max(t, q, mu);
  A = sA_.data();
  for (int i = 0; i < 3; ++i) {
    const int g = t.g[i];
    for (int o = 0; o < d_.n[g]; ++o, ++A, ++m) {
      if (!allowed_[d_.off[g] + o]) continue;
      *m = mu[i][o] / 3 - *A;
      bel_[d_.off[g] + o] = mu[i][o] / 3;
    }
  }
}

int MplpBound::add_triplets(int count, double min_gain) {
  std::set<std::tuple<int, int, int>> have;
  for (const auto& t : tris_) have.emplace(t.g[0], t.g[1], t.g[2]);
  std::vector<std::pair<double, Triplet>> cand;
  int scored = 0;
  for (int a = 0; a < G_ && scored < kMaxScoredTriangles; ++a)
    for (int eab : d_.adj[a]) {
      const int b = d_.edges[eab].b;
      if (b == a) continue;  // a is the edge's second group: the triangle is met from its first
      for (int ebc : d_.adj[b]) {
        const int c = d_.edges[ebc].b;
        if (c == b) continue;
        const int eac = edge_of_[static_cast<size_t>(a) * G_ + c];
        if (eac < 0 || have.count({a, b, c})) continue;
        const Triplet t{{a, b, c}, {eab, eac, ebc}, -1};
        const double gain = triplet_gain(t);
        ++scored;
        if (gain > min_gain) cand.emplace_back(gain, t);
      }
    }
  std::sort(cand.begin(), cand.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  if (static_cast<int>(cand.size()) > count) cand.resize(count);
  for (auto& c : cand) {
    Triplet& t = c.second;
    t.off = static_cast<int>(tri_.size());
    const int n0 = d_.n[t.g[0]], n1 = d_.n[t.g[1]], n2 = d_.n[t.g[2]];
    tri_.resize(tri_.size() + n0 * n1 + n0 * n2 + n1 * n2 + n0 + n1 + n2, 0.0);
    for (int e : t.e)
      if (xoff_[e] < 0) {
        xoff_[e] = static_cast<int>(xe_.size());
        xe_.resize(xe_.size() + te_[e].size(), 0.0);
      }
    tris_.push_back(t);
  }
  return static_cast<int>(cand.size());
}

void MplpBound::drop_triplets(const State& before) {
  tris_.clear();
  std::fill(xoff_.begin(), xoff_.end(), -1);
  restore(before);
}

void MplpBound::sweep() {
  ++sweeps_;
  for (const auto& t : tris_) update_triplet(t);
  for (int e = 0; e < E_; ++e) update_edge(e);
}

double MplpBound::best_belief(int g, int* arg) const {
  double best = -kInf;
  for (int o = 0; o < d_.n[g]; ++o)
    if (allowed_[d_.off[g] + o] && bel_[d_.off[g] + o] > best) {
      best = bel_[d_.off[g] + o];
      if (arg) *arg = o;
    }
  return best;
}

double MplpBound::bound() const {
  double b = cw_;
  for (int g = 0; g < G_; ++g) b += best_belief(g);
  return b;
}

void MplpBound::save(State& s) const {
  s.msg = msg_;
  s.bel = bel_;
  s.xe = xe_;
  s.tri = tri_;
  s.allowed = allowed_;
}

void MplpBound::restore(const State& s) {
  msg_ = s.msg;
  bel_ = s.bel;
  xe_ = s.xe;
  tri_ = s.tri;
  allowed_ = s.allowed;
}

}  // namespace iqnas::solver::detail
