#include "util/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "util/atomic_file.h"

namespace iqnas {

namespace {
const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string num(double v, const char* fmt = "%.3g") {
  char b[32];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

// Round tick step covering [lo, hi] in about 5 steps.
double tick_step(double lo, double hi) {
  const double raw = (hi - lo) / 5;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) return m * mag;
  return 10 * mag;
}
}  // namespace

std::string scatter_svg(const std::vector<ScatterSeries>& series, const std::string& title, const std::string& xlabel,
                        const std::string& ylabel, bool diagonal) {
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (const auto& s : series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      xlo = std::min(xlo, s.x[i]), xhi = std::max(xhi, s.x[i]);
      ylo = std::min(ylo, s.y[i]), yhi = std::max(yhi, s.y[i]);
    }
  if (!std::isfinite(xlo)) xlo = 0, xhi = 1, ylo = 0, yhi = 1;
  if (diagonal) xlo = ylo = std::min(xlo, ylo), xhi = yhi = std::max(xhi, yhi);
  const double padx = std::max((xhi - xlo) * 0.05, 1e-9), pady = std::max((yhi - ylo) * 0.05, 1e-9);
  xlo -= padx, xhi += padx, ylo -= pady, yhi += pady;
  const double W = 560, H = 440, L = 70, R = 20, T = 40, B = 55;
  auto X = [&](double v) { return L + (v - xlo) / (xhi - xlo) * (W - L - R); };
  auto Y = [&](double v) { return H - B - (v - ylo) / (yhi - ylo) * (H - T - B); };
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"" << W / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">" << esc(title) << "</text>\n";
  o << "<rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << W - L - R << "\" height=\"" << H - T - B
    << "\" fill=\"none\" stroke=\"black\"/>\n";
  for (int axis = 0; axis < 2; ++axis) {
    const double lo = axis ? ylo : xlo, hi = axis ? yhi : xhi, step = tick_step(lo, hi);
    for (double t = std::ceil(lo / step) * step; t <= hi; t += step) {
      if (axis == 0)
        o << "<line x1=\"" << X(t) << "\" y1=\"" << H - B << "\" x2=\"" << X(t) << "\" y2=\"" << H - B + 5
          << "\" stroke=\"black\"/><text x=\"" << X(t) << "\" y=\"" << H - B + 18 << "\" text-anchor=\"middle\">"
          << num(t) << "</text>\n";
      else
        o << "<line x1=\"" << L - 5 << "\" y1=\"" << Y(t) << "\" x2=\"" << L << "\" y2=\"" << Y(t)
          << "\" stroke=\"black\"/><text x=\"" << L - 8 << "\" y=\"" << Y(t) + 4 << "\" text-anchor=\"end\">" << num(t)
          << "</text>\n";
    }
  }
  o << "<text x=\"" << (L + W - R) / 2 << "\" y=\"" << H - 12 << "\" text-anchor=\"middle\">" << esc(xlabel) << "</text>\n";
  o << "<text transform=\"translate(16," << (T + H - B) / 2 << ") rotate(-90)\" text-anchor=\"middle\">" << esc(ylabel)
    << "</text>\n";
  if (diagonal)
    o << "<line x1=\"" << X(xlo) << "\" y1=\"" << Y(xlo) << "\" x2=\"" << X(xhi) << "\" y2=\"" << Y(xhi)
      << "\" stroke=\"gray\" stroke-dasharray=\"4,3\"/>\n";
  for (size_t k = 0; k < series.size(); ++k) {
    const char* c = kColours[k % 6];
    for (size_t i = 0; i < series[k].x.size(); ++i)
      o << "<circle cx=\"" << X(series[k].x[i]) << "\" cy=\"" << Y(series[k].y[i]) << "\" r=\"2.5\" fill=\"" << c
        << "\" fill-opacity=\"0.7\"/>\n";
    if (series.size() > 1)
      o << "<circle cx=\"" << L + 12 << "\" cy=\"" << T + 14 + 16 * k << "\" r=\"4\" fill=\"" << c << "\"/><text x=\""
        << L + 22 << "\" y=\"" << T + 18 + 16 * k << "\">" << esc(series[k].name) << "</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

std::string heatmap_svg(const std::vector<std::vector<double>>& values, const std::vector<std::string>& rows,
                        const std::vector<std::string>& cols, const std::string& title, const char* cell_format) {
  double m = 1e-12;
  for (const auto& r : values)
    for (double v : r)
      if (std::isfinite(v)) m = std::max(m, std::abs(v));
  const double cw = 64, ch = 22, L = 110, T = 70;
  const double W = L + cw * static_cast<double>(cols.size()) + 20, H = T + ch * static_cast<double>(rows.size()) + 20;
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"" << W / 2 << "\" y=\"20\" text-anchor=\"middle\" font-size=\"13\">" << esc(title) << "</text>\n";
  for (size_t c = 0; c < cols.size(); ++c)
    o << "<text x=\"" << L + cw * (c + 0.5) << "\" y=\"" << T - 8 << "\" text-anchor=\"middle\">" << esc(cols[c])
      << "</text>\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    o << "<text x=\"" << L - 6 << "\" y=\"" << T + ch * (r + 0.5) + 4 << "\" text-anchor=\"end\">" << esc(rows[r])
      << "</text>\n";
    for (size_t c = 0; c < cols.size() && c < values[r].size(); ++c) {
      const double v = values[r][c];
      if (!std::isfinite(v)) continue;
      const double a = std::min(1.0, std::abs(v) / m);  // blue negative, red positive
      const int shade = static_cast<int>(255 * (1 - 0.75 * a));
      char fill[16];
      std::snprintf(fill, sizeof fill, v >= 0 ? "#ff%02x%02x" : "#%02x%02xff", shade, shade);
      o << "<rect x=\"" << L + cw * c << "\" y=\"" << T + ch * r << "\" width=\"" << cw << "\" height=\"" << ch
        << "\" fill=\"" << fill << "\" stroke=\"white\"/><text x=\"" << L + cw * (c + 0.5) << "\" y=\""
        << T + ch * (r + 0.5) + 4 << "\" text-anchor=\"middle\">" << num(v, cell_format) << "</text>\n";
    }
  }
  o << "</svg>\n";
  return o.str();
}

std::string write_figure(const std::string& path, const std::string& svg) {
  write_file_atomic(path, svg);
  if (std::system("command -v rsvg-convert >/dev/null 2>&1") != 0) return "";
  std::string png = path.size() > 4 && path.substr(path.size() - 4) == ".svg" ? path.substr(0, path.size() - 4) : path;
  png += ".png";
  const std::string tmp = shell_quote(png + ".tmp");
  const std::string cmd = "rsvg-convert -b white -o " + tmp + " " + shell_quote(path) + " && mv -f " + tmp + " " + shell_quote(png);
  return std::system(cmd.c_str()) == 0 ? png : "";
}

}  // namespace iqnas
