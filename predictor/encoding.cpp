#include "predictor/encoding.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace iqnas::predictor {

namespace {
int alpha_groups_before(const SearchSpace& s, int stage) {
  int n = 0;
  for (int i = 0; i < stage; ++i) n += s.stages[static_cast<size_t>(i)].max_depth();
  return n;
}
int total_alpha_groups(const SearchSpace& s) { return alpha_groups_before(s, static_cast<int>(s.stages.size())); }
}  // namespace

std::vector<solver::Group> space_groups(const SearchSpace& s) {
  std::vector<solver::Group> g;
  std::vector<std::string> names;
  for (int c = 0; c < s.num_configs(); ++c) names.push_back(s.config(c).name());
  for (size_t i = 0; i < s.stages.size(); ++i)
    for (int b = 0; b < s.stages[i].max_depth(); ++b)
      g.push_back({"s" + std::to_string(i + 1) + ".b" + std::to_string(b + 1), names});
  for (size_t i = 0; i < s.stages.size(); ++i) {
    solver::Group d{"s" + std::to_string(i + 1) + ".depth", {}};
    for (int depth : s.stages[i].depths) d.options.push_back(std::to_string(depth));
    g.push_back(d);
  }
  return g;
}

int num_vars(const SearchSpace& s) {
  int n = total_alpha_groups(s) * s.num_configs();
  for (const auto& st : s.stages) n += static_cast<int>(st.depths.size());
  return n;
}

int alpha_group(const SearchSpace& s, int stage, int block) { return alpha_groups_before(s, stage) + block; }

int beta_group(const SearchSpace& s, int stage) { return total_alpha_groups(s) + stage; }

int alpha_var(const SearchSpace& s, int stage, int block, int config) {
  return alpha_group(s, stage, block) * s.num_configs() + config;
}

int beta_var(const SearchSpace& s, int stage, int depth_index) {
  int v = total_alpha_groups(s) * s.num_configs();
  for (int i = 0; i < stage; ++i) v += static_cast<int>(s.stages[static_cast<size_t>(i)].depths.size());
  return v + depth_index;
}

std::vector<int> arch_to_selection(const SearchSpace& s, const Architecture& a) {
  validate_arch(s, a);
  std::vector<int> sel(static_cast<size_t>(total_alpha_groups(s) + static_cast<int>(s.stages.size())), 0);
  for (size_t i = 0; i < s.stages.size(); ++i) {
    const int si = static_cast<int>(i);
    for (int b = 0; b < a.depths[i]; ++b) sel[static_cast<size_t>(alpha_group(s, si, b))] = a.blocks[i][static_cast<size_t>(b)];
    const auto& ds = s.stages[i].depths;
    sel[static_cast<size_t>(beta_group(s, si))] =
        static_cast<int>(std::find(ds.begin(), ds.end(), a.depths[i]) - ds.begin());
  }
  return sel;
}

Architecture selection_to_arch(const SearchSpace& s, const std::vector<int>& selection) {
  const size_t groups = static_cast<size_t>(total_alpha_groups(s)) + s.stages.size();
  if (selection.size() != groups)
    throw std::invalid_argument("selection has " + std::to_string(selection.size()) + " groups, space '" + s.name +
                                "' has " + std::to_string(groups));
  Architecture a;
  for (size_t i = 0; i < s.stages.size(); ++i) {
    const int si = static_cast<int>(i);
    const int di = selection[static_cast<size_t>(beta_group(s, si))];
    if (di < 0 || di >= static_cast<int>(s.stages[i].depths.size()))
      throw std::invalid_argument("selection: depth option " + std::to_string(di) + " of stage " + std::to_string(i + 1) +
                                  " out of range");
    const int depth = s.stages[i].depths[static_cast<size_t>(di)];
    a.depths.push_back(depth);
    a.blocks.emplace_back();
    for (int b = 0; b < depth; ++b) a.blocks.back().push_back(selection[static_cast<size_t>(alpha_group(s, si, b))]);
  }
  validate_arch(s, a);
  return a;
}

bool block_always_active(const SearchSpace& s, int stage, int block) {
  return block + 1 <= s.stages[static_cast<size_t>(stage)].depths.front();
}

solver::Expression additive_row(const SearchSpace& s, double constant, const BlockCost& block_cost,
                                const DepthCost& depth_cost) {
  solver::Expression e;
  e.constant = constant;
  for (size_t i = 0; i < s.stages.size(); ++i) {
    const int si = static_cast<int>(i);
    const auto& ds = s.stages[i].depths;
    for (int b = 0; b < s.stages[i].max_depth(); ++b)
      for (int c = 0; c < s.num_configs(); ++c) {
        const double v = block_cost(si, b, c);
        if (v == 0.0) continue;
        const int x = alpha_var(s, si, b, c);
        if (block_always_active(s, si, b)) {
          e.linear.push_back({x, v});
          continue;
        }
        for (size_t d = 0; d < ds.size(); ++d)
          if (ds[d] >= b + 1) e.bilinear.push_back({x, beta_var(s, si, static_cast<int>(d)), v});
      }
    if (depth_cost)
      for (size_t d = 0; d < ds.size(); ++d) {
        const double v = depth_cost(si, static_cast<int>(d));
        if (v != 0.0) e.linear.push_back({beta_var(s, si, static_cast<int>(d)), v});
      }
  }
  return e;
}

double additive_value(const SearchSpace& s, const Architecture& a, double constant, const BlockCost& block_cost,
                      const DepthCost& depth_cost) {
  validate_arch(s, a);
  double v = constant;
  for (size_t i = 0; i < s.stages.size(); ++i) {
    const int si = static_cast<int>(i);
    for (int b = 0; b < a.depths[i]; ++b) v += block_cost(si, b, a.blocks[i][static_cast<size_t>(b)]);
    if (depth_cost) {
      const auto& ds = s.stages[i].depths;
      v += depth_cost(si, static_cast<int>(std::find(ds.begin(), ds.end(), a.depths[i]) - ds.begin()));
    }
  }
  return v;
}

}  // namespace iqnas::predictor
