#include "predictor/latency_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace iqnas::predictor {

namespace {
void check_sizes(const std::vector<double>& x, const std::vector<double>& y, size_t min) {
  if (x.size() != y.size() || x.size() < min)
    throw std::invalid_argument("latency check: need two series of equal length >= " + std::to_string(min));
}
}  // namespace

double mape(const std::vector<double>& p, const std::vector<double>& m) {
  check_sizes(p, m, 1);
  double s = 0;
  for (size_t i = 0; i < p.size(); ++i) s += std::fabs(p[i] - m[i]) / m[i];
  return 100.0 * s / double(p.size());
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  check_sizes(x, y, 2);
  const double n = double(x.size());
  double mx = 0, my = 0;
  for (size_t i = 0; i < x.size(); ++i) mx += x[i] / n, my += y[i] / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0.0;
}

double kendall_tau(const std::vector<double>& x, const std::vector<double>& y) {
  check_sizes(x, y, 2);
  double conc = 0, disc = 0, tx = 0, ty = 0;  // O(n^2): n is a few hundred at most
  for (size_t i = 0; i < x.size(); ++i)
    for (size_t j = i + 1; j < x.size(); ++j) {
      const double a = x[i] - x[j], b = y[i] - y[j];
      if (a == 0 && b == 0) continue;
      if (a == 0) {
        ++tx;
      } else if (b == 0) {
        ++ty;
      } else {
        (a * b > 0 ? conc : disc) += 1;
      }
    }
  const double d = std::sqrt((conc + disc + tx) * (conc + disc + ty));
  return d > 0 ? (conc - disc) / d : 0.0;
}

LinearFit fit_linear(const std::vector<double>& x, const std::vector<double>& y) {
  check_sizes(x, y, 2);
  const double n = double(x.size());
  double mx = 0, my = 0;
  for (size_t i = 0; i < x.size(); ++i) mx += x[i] / n, my += y[i] / n;
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < x.size(); ++i) sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx);
  LinearFit f;
  if (sxx > 0) f.slope = sxy / sxx;
  f.intercept = my - f.slope * mx;
  return f;
}

void write_scatter_svg(const std::string& path, const std::vector<double>& p, const std::vector<double>& m,
                       const std::string& title) {
  check_sizes(p, m, 1);
  double lo = std::min(*std::min_element(p.begin(), p.end()), *std::min_element(m.begin(), m.end()));
  double hi = std::max(*std::max_element(p.begin(), p.end()), *std::max_element(m.begin(), m.end()));
  const double pad = 0.05 * (hi - lo + 1e-9);
  lo -= pad, hi += pad;
  const double W = 480, H = 480, L = 60, B = 50, plot = 400;
  auto X = [&](double v) { return L + (v - lo) / (hi - lo) * plot; };
  auto Y = [&](double v) { return H - B - (v - lo) / (hi - lo) * plot; };
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    if (!f) throw std::runtime_error(path + ": cannot write");
    char buf[256];
    f << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H << "\">\n";
    f << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    f << "<text x=\"" << W / 2 << "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">" << title << "</text>\n";
    std::snprintf(buf, sizeof buf, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" stroke=\"black\"/>\n",
                  L, H - B - plot, plot, plot);
    f << buf;
    std::snprintf(buf, sizeof buf, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"gray\" stroke-dasharray=\"4\"/>\n",
                  X(lo), Y(lo), X(hi), Y(hi));
    f << buf;
    for (int t = 0; t <= 4; ++t) {
      const double v = lo + (hi - lo) * t / 4;
      std::snprintf(buf, sizeof buf,
                    "<text x=\"%g\" y=\"%g\" font-size=\"10\" text-anchor=\"middle\">%.3g</text>\n"
                    "<text x=\"%g\" y=\"%g\" font-size=\"10\" text-anchor=\"end\">%.3g</text>\n",
                    X(v), H - B + 14, v, L - 4, Y(v) + 3, v);
      f << buf;
    }
    f << "<text x=\"" << L + plot / 2 << "\" y=\"" << H - 10
      << "\" text-anchor=\"middle\" font-size=\"12\">predicted (ms/image)</text>\n";
    f << "<text x=\"14\" y=\"" << H - B - plot / 2 << "\" transform=\"rotate(-90 14 " << H - B - plot / 2
      << ")\" text-anchor=\"middle\" font-size=\"12\">measured (ms/image)</text>\n";
    for (size_t i = 0; i < p.size(); ++i) {
      std::snprintf(buf, sizeof buf, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\" fill=\"steelblue\"/>\n", X(p[i]), Y(m[i]));
      f << buf;
    }
    f << "</svg>\n";
    f.flush();
    if (!f) throw std::runtime_error(path + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error(path + ": cannot rename " + tmp);
}

}  // namespace iqnas::predictor
