#include "solver/sweep.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "util/atomic_file.h"
#include "util/number.h"
#include "solver/exact.h"
#include "solver/methods.h"

namespace iqnas::solver {

std::vector<SweepPoint> sweep(const Problem& p, const std::string& constraint, const std::vector<double>& budgets,
                              const SolveOptions& opt) {
  const int k = p.constraint_index(constraint);
  if (k < 0) {
    std::string names;
    for (const auto& c : p.constraints) names += (names.empty() ? "" : ", ") + c.name;
    throw std::invalid_argument("no constraint named '" + constraint + "' (the problem has: " +
                                (names.empty() ? "none" : names) + ")");
  }
  for (double b : budgets)
    if (!std::isfinite(b)) throw std::invalid_argument("budgets must be finite numbers");
  std::vector<size_t> order(budgets.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return budgets[a] > budgets[b]; });
  std::vector<SweepPoint> out(budgets.size());
  std::vector<double> maxes;
  for (const auto& c : p.constraints) maxes.push_back(c.max);
  validate_options(opt);
  if (opt.method == "exact") {
    ExactSolver solver(p);
    ExactOptions eo;
    eo.time_limit_s = opt.time_limit_s;
    const SweepPoint* last = nullptr;
    for (size_t i : order) {
      const auto t0 = std::chrono::steady_clock::now();
      maxes[k] = budgets[i];
      SweepPoint& pt = out[i];
      pt.budget = budgets[i];
      if (last && last->result.status == Status::Optimal &&
          within_budget(last->result.constraint_values[k], budgets[i])) {
        pt.result = last->result;
        pt.result.constraint_max = maxes;
        pt.reused = true;
      } else {
        pt.result = solver.solve(eo, &maxes);
        pt.result.options = method_option_values(opt);
        if (pt.result.status == Status::Infeasible) {
          Problem q = p;
          q.constraints[k].max = budgets[i];
          explain_infeasible(q, pt.result);
        }
        last = &pt;
      }
      pt.result.solve_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
  } else {
    for (size_t i : order) {
      Problem q = p;
      q.constraints[k].max = budgets[i];
      out[i].budget = budgets[i];
      out[i].result = solve(q, opt);
    }
  }
  return out;
}

std::vector<double> parse_budgets(const std::string& spec) {
  auto num = [](const std::string& s) { return parse_number(s, "budget"); };
  std::vector<double> out;
  if (spec.find(':') != std::string::npos) {
    std::vector<std::string> parts;
    std::stringstream ss(spec);
    std::string item;
    while (std::getline(ss, item, ':')) parts.push_back(item);
    if (parts.size() != 3) throw std::invalid_argument("budget range '" + spec + "' should be start:stop:count");
    const double a = num(parts[0]), b = num(parts[1]);
    const int64_t n = parse_int(parts[2], "budget range '" + spec + "': the count", 1, 1000000);
    for (int64_t i = 0; i < n; ++i) {
      // a + (b - a) * t overflows for budgets near the largest double; this form does not.
      const double t = n == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(n - 1);
      out.push_back(a * (1 - t) + b * t);
    }
  } else {
    std::stringstream ss(spec);
    std::string item;
    while (std::getline(ss, item, ',')) out.push_back(num(item));
  }
  if (out.empty()) throw std::invalid_argument("no budgets given");
  return out;
}

void write_text_file(const std::string& text, const std::string& path) { write_file_atomic(path, text); }

void write_sweep_csv(const Problem& p, const std::string& constraint, const std::vector<SweepPoint>& pts,
                     const std::string& path) {
  std::ostringstream o;
  o.precision(12);
  o << "budget,status,objective,bound";
  for (const auto& c : p.constraints) o << "," << c.name;
  o << ",solve_ms,selection\n";
  for (const auto& pt : pts) {
    const Result& r = pt.result;
    const bool sel = !r.selection.empty();
    o << pt.budget << "," << status_name(r.status) << ",";
    if (sel) o << r.objective;
    o << ",";
    if (r.has_bound) o << r.bound;
    for (size_t k = 0; k < p.constraints.size(); ++k) {
      o << ",";
      if (sel) o << r.constraint_values[k];
    }
    o << "," << r.solve_seconds * 1e3 << ",";
    for (size_t g = 0; g < r.selection.size(); ++g) o << (g ? " " : "") << r.selection[g];
    o << "\n";
  }
  write_text_file(o.str(), path);
}

std::string sweep_svg(const std::string& constraint, const std::vector<SweepPoint>& pts) {
  std::vector<std::pair<double, double>> xy;
  for (const auto& pt : pts)
    if (!pt.result.selection.empty()) xy.emplace_back(pt.budget, pt.result.objective);
  std::sort(xy.begin(), xy.end());
  const double W = 640, H = 420, L = 70, Rm = 20, T = 30, B = 50;
  char buf[512];
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  std::snprintf(buf, sizeof buf, "<text x=\"%g\" y=\"18\" text-anchor=\"middle\">objective versus %s budget</text>\n",
                W / 2, constraint.c_str());
  s << buf;
  if (xy.empty()) {
    s << "<text x=\"" << W / 2 << "\" y=\"" << H / 2 << "\" text-anchor=\"middle\">no feasible budget</text>\n</svg>\n";
    return s.str();
  }
  double x0 = xy.front().first, x1 = xy.back().first, y0 = xy.front().second, y1 = y0;
  for (auto& [x, y] : xy) {
    y0 = std::min(y0, y);
    y1 = std::max(y1, y);
  }
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const double pad = 0.05 * (y1 - y0);
  y0 -= pad;
  y1 += pad;
  auto X = [&](double x) { return L + (x - x0) / (x1 - x0) * (W - L - Rm); };
  auto Y = [&](double y) { return H - B - (y - y0) / (y1 - y0) * (H - T - B); };
  std::snprintf(buf, sizeof buf, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" stroke=\"black\"/>\n", L, T,
                W - L - Rm, H - T - B);
  s << buf;
  for (int i = 0; i <= 5; ++i) {
    const double xv = x0 + (x1 - x0) * i / 5, yv = y0 + (y1 - y0) * i / 5;
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\" stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%g\" "
                  "text-anchor=\"middle\">%.4g</text>\n",
                  X(xv), T, X(xv), H - B, X(xv), H - B + 16, xv);
    s << buf;
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%g\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%g\" y=\"%.1f\" "
                  "text-anchor=\"end\">%.4g</text>\n",
                  L, Y(yv), W - Rm, Y(yv), L - 6, Y(yv) + 4, yv);
    s << buf;
  }
  std::snprintf(buf, sizeof buf, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%s budget</text>\n", (L + W - Rm) / 2,
                H - 12, constraint.c_str());
  s << buf;
  std::snprintf(buf, sizeof buf,
                "<text x=\"16\" y=\"%g\" text-anchor=\"middle\" transform=\"rotate(-90 16 %g)\">objective</text>\n",
                (T + H - B) / 2, (T + H - B) / 2);
  s << buf;
  // Step line: the optimum holds until the next budget.
  s << "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"";
  for (size_t i = 0; i < xy.size(); ++i) {
    if (i) {
      std::snprintf(buf, sizeof buf, "%.1f,%.1f ", X(xy[i].first), Y(xy[i - 1].second));
      s << buf;
    }
    std::snprintf(buf, sizeof buf, "%.1f,%.1f ", X(xy[i].first), Y(xy[i].second));
    s << buf;
  }
  s << "\"/>\n";
  for (auto& [x, y] : xy) {
    std::snprintf(buf, sizeof buf, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"#1f77b4\"/>\n", X(x), Y(y));
    s << buf;
  }
  s << "</svg>\n";
  return s.str();
}

}  // namespace iqnas::solver
