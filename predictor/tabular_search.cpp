#include "predictor/tabular_search.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <stdexcept>

#include "predictor/onehot_features.h"
#include "predictor/rank_metrics.h"
#include "solver/solve.h"
#include "util/rng.h"

namespace iqnas::predictor {

TabularData load_tabular(const CsvTable& table, const ArchEncoding& encoding, const std::string& arch_column,
                         const std::string& accuracy_column, const std::string& cost_column) {
  TabularData d;
  d.groups = encoding.groups();
  const int a = table.column(arch_column);
  d.accuracy = table.numbers(accuracy_column);
  d.cost = table.numbers(cost_column);
  std::map<std::vector<int>, size_t> seen;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const std::string& s = table.rows[r][static_cast<size_t>(a)];
    const std::string where = table.path + ": row " + std::to_string(r + 1) + " (line " +
                              std::to_string(table.row_line[r]) + "), column '" + arch_column + "': ";
    try {
      d.selection.push_back(encoding.encode(s));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(where + e.what());
    }
    const auto [it, fresh] = seen.emplace(d.selection.back(), r);
    if (!fresh)
      throw std::invalid_argument(where + "architecture '" + s + "' is the same as row " + std::to_string(it->second + 1));
    d.arch.push_back(s);
  }
  return d;
}

namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// What the method may see: the rows it measured, and nothing else of accuracy or cost.
class Measurements {
 public:
  explicit Measurements(const TabularData& d) : d_(d), done_(d.selection.size(), false) {}
  void measure(int row) {
    if (done_[static_cast<size_t>(row)]) throw std::logic_error("row measured twice");
    done_[static_cast<size_t>(row)] = true;
    rows_.push_back(row);
  }
  bool measured(int row) const { return done_[static_cast<size_t>(row)]; }
  const std::vector<int>& rows() const { return rows_; }
  int count() const { return static_cast<int>(rows_.size()); }
  double accuracy(int row) const { return seen(row, d_.accuracy); }
  double cost(int row) const { return seen(row, d_.cost); }

 private:
  double seen(int row, const std::vector<double>& v) const {
    if (!measured(row)) throw std::logic_error("the search read an unmeasured row");
    return v[static_cast<size_t>(row)];
  }
  const TabularData& d_;
  std::vector<bool> done_;
  std::vector<int> rows_;
};

struct Model {
  RidgeFit fit;
  solver::Expression row;
};

// Linear interpolation between order statistics; `v` is sorted.
double sorted_quantile(const std::vector<double>& v, double q) {
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

// `floor_q` > 0: targets below that quantile of the targets are raised to it.
Model fit_model(const OneHotFeatures& f, const TabularData& d, const Measurements& m, bool accuracy, double floor_q,
                uint64_t seed) {
  std::vector<std::vector<int>> sel;
  Eigen::VectorXd y(m.count());
  for (int k = 0; k < m.count(); ++k) {
    const int r = m.rows()[static_cast<size_t>(k)];
    sel.push_back(d.selection[static_cast<size_t>(r)]);
    y[k] = accuracy ? m.accuracy(r) : m.cost(r);
  }
  if (floor_q > 0) {
    std::vector<double> v(y.data(), y.data() + y.size());
    std::sort(v.begin(), v.end());
    y = y.cwiseMax(sorted_quantile(v, floor_q));
  }
  RidgeOptions o;
  o.seed = seed;
  Model out;
  out.fit = fit_ridge(f.sparse_matrix(sel), y, o);
  out.row = f.to_expression(out.fit.intercept, out.fit.weights);
  return out;
}

// The `q` quantile (linear interpolation) of measured minus out-of-fold predicted cost, at least 0.
double residual_quantile(const Model& cost, const Measurements& m, double q) {
  std::vector<double> r;
  for (int k = 0; k < m.count(); ++k) r.push_back(m.cost(m.rows()[static_cast<size_t>(k)]) - cost.fit.cv_predictions[k]);
  std::sort(r.begin(), r.end());
  return std::max(0.0, sorted_quantile(r, q));
}

// Solves the fitted program and returns a table row: the solver's optimum or, while the optimum
// is not in the table or (with `unmeasured`) was measured already, the optimum under a budget just
// below that selection's fitted cost. This walks down the fitted accuracy-cost front from the
// budget, one exact solve per step, with the budget as the only constraint row.
class Picker {
 public:
  Picker(const TabularData& d, const OneHotFeatures& f, TabularResult& stats) : d_(d), f_(f), stats_(stats) {
    for (size_t r = 0; r < d.selection.size(); ++r) row_of_[d.selection[r]] = static_cast<int>(r);
    base_.groups = d.groups;
  }

  std::optional<int> pick(const Model& acc, const Model& cost, double max_cost, const Measurements* unmeasured) {
    solver::Problem p = base_;
    p.objective = acc.row;
    p.constraints.push_back({"cost", cost.row, max_cost});
    for (size_t step = 0; step <= d_.selection.size(); ++step) {
      const auto t0 = std::chrono::steady_clock::now();
      const solver::Result r = solver::solve(p, {});
      stats_.solve_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      ++stats_.solves;
      if (r.status == solver::Status::Infeasible) return std::nullopt;
      const auto it = row_of_.find(r.selection);
      if (it != row_of_.end() && !(unmeasured && unmeasured->measured(it->second))) return it->second;
      const double c = f_.predict(cost.fit.intercept, cost.fit.weights, r.selection);
      p.constraints[0].max = c - 1e-6 * std::max(1.0, std::abs(c));
    }
    return std::nullopt;
  }

 private:
  const TabularData& d_;
  const OneHotFeatures& f_;
  TabularResult& stats_;
  std::map<std::vector<int>, int> row_of_;
  solver::Problem base_;
};

FitSummary summarise(const Model& m, const OneHotFeatures& f, const TabularData& d, const std::vector<double>& truth,
                     bool ranks) {
  FitSummary s;
  s.lambda = m.fit.lambda;
  s.cv_rmse = m.fit.cv_rmse;
  s.kendall_tau = s.spearman = std::numeric_limits<double>::quiet_NaN();
  if (!ranks) return s;
  std::vector<double> pred;
  for (const auto& sel : d.selection) pred.push_back(f.predict(m.fit.intercept, m.fit.weights, sel));
  s.spearman = spearman(pred, truth);
  // Kendall's tau is quadratic in the rows: on a fixed subset of at most 3,000 of them.
  std::vector<size_t> idx(truth.size());
  std::iota(idx.begin(), idx.end(), 0);
  util::Rng rng(12345);
  util::shuffle(idx, rng);
  idx.resize(std::min<size_t>(idx.size(), 3000));
  std::vector<double> a, b;
  for (size_t i : idx) {
    a.push_back(pred[i]);
    b.push_back(truth[i]);
  }
  s.kendall_tau = kendall_tau(a, b);
  return s;
}

}  // namespace

TabularResult tabular_search(const TabularData& d, const TabularOptions& o) {
  const int n = static_cast<int>(d.selection.size());
  if (o.samples < 10 || o.samples > n)
    throw std::invalid_argument("samples must be between 10 and the table's " + std::to_string(n) + " rows, got " +
                                std::to_string(o.samples));
  if (!std::isfinite(o.budget)) throw std::invalid_argument("the budget must be a finite number");
  if (!(o.margin_quantile > 0 && o.margin_quantile < 1)) throw std::invalid_argument("margin quantile must be in (0, 1)");
  if (!(o.initial_fraction > 0 && o.initial_fraction <= 1)) throw std::invalid_argument("initial fraction must be in (0, 1]");
  if (o.picks_per_fit < 1) throw std::invalid_argument("picks per fit must be at least 1");
  if (!(o.floor_quantile >= 0 && o.floor_quantile < 1)) throw std::invalid_argument("floor quantile must be in [0, 1)");

  std::vector<int> sizes;
  for (const auto& g : d.groups) sizes.push_back(static_cast<int>(g.options.size()));
  const OneHotFeatures f(sizes, OneHotFeatures::all_pairs(static_cast<int>(sizes.size())));

  TabularResult res;
  Measurements m(d);
  Picker picker(d, f, res);
  util::Rng rng(o.seed);
  std::vector<int> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  util::shuffle(order, rng);
  size_t next_random = 0;
  const auto measure_random = [&] {
    while (m.measured(order[next_random])) ++next_random;
    m.measure(order[next_random++]);
  };

  const bool active = o.mode == TabularOptions::Mode::Active;
  const int initial = active ? std::max(10, static_cast<int>(std::lround(o.samples * o.initial_fraction))) : o.samples;
  while (m.count() < std::min(initial, o.samples)) measure_random();

  const auto margin_of = [&](const Model& cost) {
    return o.margin == TabularOptions::Margin::Calibrated ? residual_quantile(cost, m, o.margin_quantile) : 0.0;
  };
  for (int pick = 0; m.count() < o.samples;) {
    const Model acc = fit_model(f, d, m, true, o.floor_quantile, o.seed + 1);
    const Model cost = fit_model(f, d, m, false, 0.0, o.seed + 2);
    const double calibrated = margin_of(cost);
    for (int b = 0; b < o.picks_per_fit && m.count() < o.samples; ++b, ++pick) {
      // Alternate: the calibrated margin (picks that likely fit) and none (picks at the edge).
      const double margin = pick % 2 == 0 ? calibrated : 0.0;
      std::optional<int> row = picker.pick(acc, cost, o.budget - margin, &m);
      if (!row && margin > 0) row = picker.pick(acc, cost, o.budget, &m);
      if (row) {
        m.measure(*row);
      } else {
        measure_random();  // the model sees nothing within the budget: keep sampling
      }
    }
  }

  const Model acc = fit_model(f, d, m, true, o.floor_quantile, o.seed + 1);
  const Model cost = fit_model(f, d, m, false, 0.0, o.seed + 2);
  res.margin = margin_of(cost);
  res.solve_budget = o.budget - res.margin;
  res.measured = m.count();
  res.accuracy_fit = summarise(acc, f, d, d.accuracy, o.rank_quality);
  res.cost_fit = summarise(cost, f, d, d.cost, o.rank_quality);

  int chosen = -1;
  if (active) {
    for (int r : m.rows())
      if (m.cost(r) <= o.budget && (chosen < 0 || m.accuracy(r) > m.accuracy(chosen))) chosen = r;
    if (chosen < 0)
      res.message = "no measured architecture meets the budget; returning the fitted program's best unmeasured choice";
  }
  if (chosen < 0) {
    // Active mode skips the measured rows: all of them are known to exceed the budget.
    const std::optional<int> row = picker.pick(acc, cost, res.solve_budget, active ? &m : nullptr);
    if (!row) {
      double smallest = std::numeric_limits<double>::infinity();
      for (const auto& s : d.selection) smallest = std::min(smallest, f.predict(cost.fit.intercept, cost.fit.weights, s));
      res.message = "infeasible: the budget " + num(o.budget) +
                    (res.margin > 0 ? " minus the margin " + num(res.margin) : std::string()) +
                    " is below the smallest fitted cost of any architecture (" + num(smallest) + ")";
    } else {
      chosen = *row;
    }
  }

  for (int r = 0; r < n; ++r)
    if (d.cost[static_cast<size_t>(r)] <= o.budget &&
        (res.best_row < 0 || d.accuracy[static_cast<size_t>(r)] > d.accuracy[static_cast<size_t>(res.best_row)]))
      res.best_row = r;
  if (res.best_row >= 0) res.best_accuracy = d.accuracy[static_cast<size_t>(res.best_row)];
  if (chosen < 0) return res;

  const auto c = static_cast<size_t>(chosen);
  res.feasible = true;
  res.row = chosen;
  res.selection = d.selection[c];
  res.arch = d.arch[c];
  res.predicted_accuracy = f.predict(acc.fit.intercept, acc.fit.weights, res.selection);
  res.predicted_cost = f.predict(cost.fit.intercept, cost.fit.weights, res.selection);
  res.true_accuracy = d.accuracy[c];
  res.true_cost = d.cost[c];
  res.meets_budget = res.true_cost <= o.budget;
  res.regret = res.best_row >= 0 ? res.best_accuracy - res.true_accuracy : std::numeric_limits<double>::quiet_NaN();
  return res;
}

}  // namespace iqnas::predictor
