#include "solver/detail/mplp_bound.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace iqnas::solver::detail {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
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
  int nmax = 1;
  for (int g = 0; g < G_; ++g) nmax = std::max(nmax, d.n[g]);
  sB_.resize(nmax);
  sM_.resize(nmax);
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
}

bool MplpBound::set_messages(const std::vector<double>& m) {
  if (m.size() != msg_.size()) return false;
  msg_ = m;
  return true;
}

MplpBound::EdgeView MplpBound::begin_edge(int e) {
  const auto& ed = d_.edges[e];
  EdgeView v;
  v.na = d_.n[ed.a], v.nb = d_.n[ed.b];
  v.ma = &msg_[moff_[e]];
  v.mb = v.ma + v.na;
  v.ba = &bel_[d_.off[ed.a]];
  v.bb = &bel_[d_.off[ed.b]];
  v.al = &allowed_[d_.off[ed.a]];
  v.bl = &allowed_[d_.off[ed.b]];
  v.th = te_[e].data();
  // -inf off b's domain: the plain update then needs no test in its inner loop
  for (int ob = 0; ob < v.nb; ++ob) {
    sB_[ob] = v.bl[ob] ? v.bb[ob] - v.mb[ob] : -kInf;
    sM_[ob] = -kInf;
  }
  return v;
}

// One MPLP update of edge e: afterwards the edge's residual is <= 0 on the domains and the edge
// with its two beliefs is bounded exactly.
void MplpBound::update_edge(int e) {
  const auto [na, nb, ma, mb, ba, bb, al, bl, th] = begin_edge(e);
  double* sB = sB_.data();
  double* sM = sM_.data();
  for (int oa = 0; oa < na; ++oa) {
    if (!al[oa]) continue;
    const double A = ba[oa] - ma[oa];
    double Ma = -kInf;
    const double* row = th + static_cast<size_t>(oa) * nb;
    // Off b's domain sB is -inf (no effect on Ma) and sM is not read: no test in the
    // inner loop (measured: about 10% less time per sweep).
    for (int ob = 0; ob < nb; ++ob) {
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

void MplpBound::sweep() {
  ++sweeps_;
  for (int e = 0; e < E_; ++e) update_edge(e);
}

void MplpBound::smooth_sweep(double tau) {
  ++sweeps_;
  for (int e = 0; e < E_; ++e) smooth_edge(e, tau);
}

// The MPLP update with every max replaced by a soft maximum at temperature tau (tau log sum exp):
// it moves the messages off the fixed points where the plain updates stall. The residuals are then
// not <= 0: bound() is valid again after the next sweep().
void MplpBound::smooth_edge(int e, double tau) {
  const auto [na, nb, ma, mb, ba, bb, al, bl, th] = begin_edge(e);
  double* sB = sB_.data();
  double* sM = sM_.data();
  sA_.resize(na);
  for (int oa = 0; oa < na; ++oa) sA_[oa] = al[oa] ? ba[oa] - ma[oa] : 0.0;
  // b side: the soft maximum over a of row + A, shifted by its column maximum (no overflow)
  for (int oa = 0; oa < na; ++oa) {
    if (!al[oa]) continue;
    const double* row = th + static_cast<size_t>(oa) * nb;
    for (int ob = 0; ob < nb; ++ob)
      if (bl[ob]) sM[ob] = std::max(sM[ob], row[ob] + sA_[oa]);
  }
  sS_.assign(nb, 0.0);
  for (int oa = 0; oa < na; ++oa) {
    if (!al[oa]) continue;
    const double A = sA_[oa];
    const double* row = th + static_cast<size_t>(oa) * nb;
    double mx = -kInf;
    for (int ob = 0; ob < nb; ++ob)
      if (bl[ob]) mx = std::max(mx, row[ob] + sB[ob]);
    double s = 0;
    for (int ob = 0; ob < nb; ++ob) {
      if (!bl[ob]) continue;
      s += std::exp((row[ob] + sB[ob] - mx) / tau);
      sS_[ob] += std::exp((row[ob] + A - sM[ob]) / tau);
    }
    const double Ma = mx + tau * std::log(s);
    ma[oa] = 0.5 * (Ma - A);
    ba[oa] = A + ma[oa];
  }
  for (int ob = 0; ob < nb; ++ob)
    if (bl[ob]) {
      const double Mb = sM[ob] + tau * std::log(sS_[ob]);
      mb[ob] = 0.5 * (Mb - sB[ob]);
      bb[ob] = sB[ob] + mb[ob];
    }
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
  s.allowed = allowed_;
}

void MplpBound::restore(const State& s) {
  msg_ = s.msg;
  bel_ = s.bel;
  allowed_ = s.allowed;
}

}  // namespace iqnas::solver::detail
