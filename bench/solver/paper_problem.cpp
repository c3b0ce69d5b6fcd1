#include "bench/solver/paper_problem.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <tuple>

#include "solver/exact.h"
#include "tests/data_root.h"
#include "util/rng.h"

namespace iqnas::bench {

namespace {

struct StageDef {
  int hw, c_in, c_out, stride;  // first block; later blocks: hw / stride, c_out -> c_out, stride 1
  const char* act;
};
const StageDef kStages[5] = {{112, 16, 24, 2, "relu"},
                             {56, 24, 40, 2, "swish"},
                             {28, 40, 80, 2, "swish"},
                             {14, 80, 112, 1, "swish"},
                             {14, 112, 192, 2, "swish"}};
const int kExp[3] = {3, 4, 6};
const int kKer[2] = {3, 5};

// key: hw, c_in, c_out, kernel, stride, se(0/1), mid -> latency (smallest se_ch row when SE is on)
using Key = std::tuple<int, int, int, int, int, int, int>;

bool read_table(const std::string& path, std::map<Key, double>& lat, std::map<Key, int>& se_seen) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return false;
  std::string text;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) text.append(buf, n);
  gzclose(f);
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> f2;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) f2.push_back(cell);
    if (f2.size() < 10 || f2[0] != "MBInvertedResBlock") continue;
    const int hw = std::stoi(f2[1]), cin = std::stoi(f2[2]), se = std::stoi(f2[3]), cout = std::stoi(f2[4]);
    const int k = std::stoi(f2[5]), s = std::stoi(f2[6]), mid = std::stoi(f2[8]);
    const double ms = std::max(0.0, std::stod(f2[9]));
    Key key{hw, cin, cout, k, s, se > 0 ? 1 : 0, mid};
    auto it = se_seen.find(key);
    if (se > 0 && it != se_seen.end() && it->second <= se) continue;
    se_seen[key] = se;
    lat[key] = ms;
  }
  return !lat.empty();
}

}  // namespace

solver::Problem paper_problem(const PaperProblemSpec& spec, std::string* source) {
  // util::Rng, not std:: distributions: the same problems with every standard library.
  util::Rng rng(util::mix_seed(static_cast<uint64_t>(spec.seed), 0));
  const std::string path = spec.latency_csv.empty()
                               ? data_root() + "/tfnas/latency_xeon_gold_6130_bs1.csv.gz"
                               : spec.latency_csv;
  std::map<Key, double> table;
  std::map<Key, int> se_seen;
  const bool real = read_table(path, table, se_seen);
  if (!real) std::fprintf(stderr, "paper_problem: %s not readable; using synthetic latencies\n", path.c_str());
  if (source) *source = real ? "tfnas-xeon" : "synthetic";

  solver::Problem p;
  // Group layout: per stage, blocks 1..4 then the depth group.
  std::vector<int> first;
  int nv = 0;
  for (int s = 0; s < 5; ++s) {
    for (int b = 0; b < 4; ++b) {
      solver::Group g;
      g.name = "s" + std::to_string(s + 1) + ".b" + std::to_string(b + 1);
      for (int e : kExp)
        for (int k : kKer)
          for (int se = 0; se < 2; ++se)
            g.options.push_back("e" + std::to_string(e) + "_k" + std::to_string(k) + "_se" + std::to_string(se));
      first.push_back(nv);
      nv += 12;
      p.groups.push_back(g);
    }
    solver::Group dg;
    dg.name = "s" + std::to_string(s + 1) + ".depth";
    dg.options = {"2", "3", "4"};
    first.push_back(nv);
    nv += 3;
    p.groups.push_back(dg);
  }
  auto block_var = [&](int s, int b, int c) { return first[s * 5 + b] + c; };
  auto depth_var = [&](int s, int d) { return first[s * 5 + 4] + (d - 2); };

  // Per-block resources: latency (ms), parameters (M), MACs (M).
  auto resources = [&](int s, int b, int c, double out[3]) {
    const StageDef& st = kStages[s];
    const int e = kExp[c / 4], k = kKer[(c / 2) % 2], se = c % 2;
    const int hw = b == 0 ? st.hw : st.hw / st.stride;
    const int cin = b == 0 ? st.c_in : st.c_out;
    const int stride = b == 0 ? st.stride : 1;
    const int mid = e * cin;
    const int ohw = hw / stride;
    double params = cin * mid + mid * k * k + mid * st.c_out + (se ? 2.0 * mid * (mid / 4) : 0.0);
    double macs = hw * hw * cin * mid + ohw * ohw * (mid * k * k + mid * st.c_out) + (se ? 2.0 * mid * (mid / 4) : 0.0);
    out[1] = params / 1e6;
    out[2] = macs / 1e6;
    auto it = table.find(Key{hw, cin, st.c_out, k, stride, se, mid});
    if (real && it != table.end()) {
      out[0] = it->second;
    } else {
      out[0] = macs / 1e6 * 0.012 + (se ? 0.15 : 0.0) + 0.05;
    }
  };

  // Accuracy contributions (percentage points): bigger blocks help more in deeper stages.
  solver::Expression acc;
  acc.constant = 72.0;
  std::vector<solver::Expression> res(3);
  res[0].constant = real ? 9.36 : 8.0;  // stem, stage 0, last conv, head
  res[1].constant = 2.0;
  res[2].constant = 120.0;
  for (int s = 0; s < 5; ++s) {
    const double w = 0.5 + 0.25 * s;
    for (int b = 0; b < 4; ++b) {
      for (int c = 0; c < 12; ++c) {
        const int ei = c / 4, ki = (c / 2) % 2, se = c % 2;
        double gain = w * (0.35 * ei + 0.2 * ki + 0.15 * se) * (b == 0 ? 1.0 : 0.6 / b) + 0.12 * rng.normal();
        double r3[3];
        resources(s, b, c, r3);
        if (b == 0) {
          acc.linear.push_back({block_var(s, b, c), gain});
          for (int q = 0; q < 3; ++q) res[q].linear.push_back({block_var(s, b, c), r3[q]});
        } else {
          for (int d = b + 1; d <= 4; ++d) {  // block index b (0-based) runs when depth >= b + 1
            acc.bilinear.push_back({depth_var(s, d), block_var(s, b, c), gain});
            for (int q = 0; q < 3; ++q) res[q].bilinear.push_back({depth_var(s, d), block_var(s, b, c), r3[q]});
          }
        }
      }
    }
    for (int d = 2; d <= 4; ++d) acc.linear.push_back({depth_var(s, d), w * 0.45 * (d - 2) + 0.05 * rng.normal()});
  }
  // Cross-group terms of a fitted dense predictor: products of two block options of different
  // stages, drawn from their own stream so that the rest of the problem does not change.
  util::Rng cross_rng(util::mix_seed(static_cast<uint64_t>(spec.seed), 1));
  for (int t = 0; t < spec.cross_terms;) {
    const int x = static_cast<int>(cross_rng.below(20)), y = static_cast<int>(cross_rng.below(20));
    if (x / 4 == y / 4) continue;  // same stage
    const int cx = static_cast<int>(cross_rng.below(12)), cy = static_cast<int>(cross_rng.below(12));
    acc.bilinear.push_back({block_var(x / 4, x % 4, cx), block_var(y / 4, y % 4, cy), cross_rng.normal(0.0, 0.3)});
    ++t;
  }
  p.objective = acc;
  const char* names[3] = {"latency_ms", "params_m", "macs_m"};
  for (int q = 0; q < std::min(spec.budgets, 3); ++q) {
    solver::Constraint c;
    c.name = names[q];
    c.expr = res[q];
    p.constraints.push_back(c);
  }
  // Budgets between the smallest and the largest achievable value.
  for (size_t q = 0; q < p.constraints.size(); ++q) {
    const double lo = solver::min_constraint_value(p, static_cast<int>(q));
    solver::Problem neg = p;  // largest value: minimise the negated row
    for (auto& t : neg.constraints[q].expr.linear) t.coef = -t.coef;
    for (auto& t : neg.constraints[q].expr.bilinear) t.coef = -t.coef;
    neg.constraints[q].expr.constant = -neg.constraints[q].expr.constant;
    const double hi = -solver::min_constraint_value(neg, static_cast<int>(q));
    // parameters and MACs a little tighter than latency so that several budgets bind at once
    const double frac = spec.latency_frac * (q == 0 ? 1.0 : 0.9);
    p.constraints[q].max = lo + frac * (hi - lo);
  }
  return p;
}

}  // namespace iqnas::bench
