#include "supernet/elastic_block.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "nn/ops.h"

namespace iqnas {

static int se_hidden(const SearchSpace& s, int mid) { return static_cast<int>(std::lround(s.se_ratio * mid)); }

ElasticBlock::ElasticBlock(const SearchSpace& space, int in_, int out_, int stride_, Act act_, Rng& rng)
    : in(in_), out(out_), stride(stride_), act(act_), residual(stride_ == 1 && in_ == out_), space_(space) {
  mid_max_ = space.max_expansion() * in;
  hid_max_ = se_hidden(space, mid_max_);
  expand_ = register_module("expand", std::make_shared<PointwiseConv>(in, mid_max_, rng));
  expand_bn_ = register_module("expand_bn", std::make_shared<BatchNorm>(mid_max_));
  for (int k : space.kernels) {
    dw_.push_back(register_module("dw_k" + std::to_string(k), std::make_shared<DepthwiseConv>(mid_max_, k, stride, rng)));
    dw_bn_.push_back(register_module("dw_k" + std::to_string(k) + "_bn", std::make_shared<BatchNorm>(mid_max_)));
  }
  se_reduce_ = register_module("se_reduce", std::make_shared<Linear>(mid_max_, hid_max_, true, rng));
  se_expand_ = register_module("se_expand", std::make_shared<Linear>(hid_max_, mid_max_, true, rng));
  project_ = register_module("project", std::make_shared<PointwiseConv>(mid_max_, out, rng));
  for (int e : space.expansions)
    for (bool se : space.se)
      project_bn_.push_back(register_module("project_bn_e" + std::to_string(e) + "_se" + std::to_string(int(se)),
                                            std::make_shared<BatchNorm>(out)));
}

int ElasticBlock::pair_index(const BlockConfig& c) const {
  const int ei = int(std::find(space_.expansions.begin(), space_.expansions.end(), c.expansion) - space_.expansions.begin());
  const int si = int(std::find(space_.se.begin(), space_.se.end(), c.se) - space_.se.begin());
  return ei * int(space_.se.size()) + si;
}

InvertedResidualWeights ElasticBlock::weights(int config) {
  const BlockConfig c = space_.config(config);
  const int mid = c.expansion * in, hid = se_hidden(space_, mid);
  const int ki = int(std::find(space_.kernels.begin(), space_.kernels.end(), c.kernel) - space_.kernels.begin());
  auto prefix = [](const Var& v, int dim, int64_t n) { return v.dim(dim) == n ? v : slice(v, dim, 0, n); };
  InvertedResidualWeights w;
  w.expand_w = prefix(expand_->weight, 0, mid);
  w.expand_bn = bn_ref(*expand_bn_, mid);
  w.dw_w = prefix(dw_[ki]->weight, 2, mid);
  w.dw_bn = bn_ref(*dw_bn_[ki], mid);
  w.se = c.se;
  if (c.se) {
    w.se_w1 = prefix(prefix(se_reduce_->weight, 0, hid), 1, mid);
    w.se_b1 = prefix(se_reduce_->bias, 0, hid);
    w.se_w2 = prefix(prefix(se_expand_->weight, 0, mid), 1, hid);
    w.se_b2 = prefix(se_expand_->bias, 0, mid);
  }
  w.project_w = prefix(project_->weight, 1, mid);
  w.project_bn = bn_ref(*project_bn_[pair_index(c)], out);
  return w;
}

Var ElasticBlock::forward(const Var& x, const std::vector<int>& configs) {
  if (configs.empty() || static_cast<int64_t>(configs.size()) != x.dim(0))
    throw std::invalid_argument("ElasticBlock: " + std::to_string(configs.size()) + " configurations for a batch of " +
                                std::to_string(x.dim(0)));
  const bool single = std::all_of(configs.begin(), configs.end(), [&](int c) { return c == configs[0]; });
  if (single) return inverted_residual(x, weights(configs[0]), stride, act, residual, training());
  return forward_multipath(x, configs);
}

// One row per sample with a 1 in the first `width(sample)` columns.
static Tensor prefix_mask(const std::vector<int>& widths, int64_t cols) {
  Tensor m = Tensor::zeros({static_cast<int64_t>(widths.size()), cols});
  for (size_t n = 0; n < widths.size(); ++n) std::fill(m.data() + n * cols, m.data() + n * cols + widths[n], 1.f);
  return m;
}

static Tensor indicator(const std::vector<int>& values, int v) {
  Tensor t = Tensor::empty({static_cast<int64_t>(values.size())});
  for (size_t n = 0; n < values.size(); ++n) t.data()[n] = values[n] == v ? 1.f : 0.f;
  return t;
}

Var ElasticBlock::forward_multipath(const Var& x, const std::vector<int>& configs) {
  const int64_t N = x.dim(0);
  const Device dev = x.device();
  std::vector<int> mids(N), hids(N), kernel_idx(N), se_on(N), pair(N);
  for (int64_t n = 0; n < N; ++n) {
    const BlockConfig c = space_.config(configs[n]);
    mids[n] = c.expansion * in;
    hids[n] = se_hidden(space_, mids[n]);
    kernel_idx[n] = int(std::find(space_.kernels.begin(), space_.kernels.end(), c.kernel) - space_.kernels.begin());
    se_on[n] = c.se;
    pair[n] = pair_index(c);
  }
  const Var channel_mask(prefix_mask(mids, mid_max_).to(dev));

  // Masked channels are zero after the expansion, and are zeroed again after the depthwise BN
  // (whose shift would otherwise revive them), so everything downstream sees exactly the slice.
  Var h = mul_channels(activation(expand_bn_->forward(expand_->forward(x)), act), channel_mask);
  // Each depthwise kernel (and its BN) sees only the samples that chose it.
  std::vector<Var> branches;
  std::vector<std::vector<int64_t>> branch_rows;
  for (size_t k = 0; k < dw_.size(); ++k) {
    std::vector<int64_t> rows;
    for (int64_t n = 0; n < N; ++n)
      if (kernel_idx[n] == int(k)) rows.push_back(n);
    if (rows.empty()) continue;
    const Var hk = static_cast<int64_t>(rows.size()) == N ? h : gather_rows(h, rows);
    branches.push_back(dw_bn_[k]->forward(dw_[k]->forward(hk)));
    branch_rows.push_back(std::move(rows));
  }
  Var d = branches.size() == 1 ? branches[0] : merge_rows(branches, branch_rows, N);
  d = mul_channels(activation(d, act), channel_mask);

  if (std::any_of(se_on.begin(), se_on.end(), [](int v) { return v; })) {
    const Var hidden_mask(prefix_mask(hids, hid_max_).to(dev));
    Var hidden = relu(mul(se_reduce_->forward(global_avg_pool(d)), hidden_mask));
    Var gate = hsigmoid(se_expand_->forward(hidden));
    // Samples without SE get a gate of 1.
    const Var on(indicator(se_on, 1).to(dev)), off(indicator(se_on, 0).to(dev));
    gate = weighted_sum({gate, Var(Tensor::full(gate.shape(), 1.f, dev))}, {on, off});
    d = mul_channels(d, gate);
  }

  Var y = project_->forward(d);
  std::map<int, std::vector<int64_t>> groups;
  for (int64_t n = 0; n < N; ++n) groups[pair[n]].push_back(n);
  if (groups.size() == 1) {
    y = project_bn_[groups.begin()->first]->forward(y);
  } else {
    std::vector<Var> parts;
    std::vector<std::vector<int64_t>> idx;
    for (auto& [p, rows] : groups) {
      parts.push_back(project_bn_[p]->forward(gather_rows(y, rows)));
      idx.push_back(rows);
    }
    y = merge_rows(parts, idx, N);
  }
  return residual ? add(y, x) : y;
}

}  // namespace iqnas
