#include "supernet/elastic_block.h"

#include <algorithm>
#include <stdexcept>

#include "nn/ops.h"

namespace iqnas {

ElasticBlock::ElasticBlock(const SearchSpace& space, int in_, int out_, int stride_, Act act_, Rng& rng)
    : in(in_), out(out_), stride(stride_), act(act_), residual(stride_ == 1 && in_ == out_), space_(space) {
  mid_max_ = space.expanded(in, space.max_expansion());
  hid_max_ = space.se_hidden(mid_max_);
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

void ElasticBlock::init_from_heaviest() {
  NoGradGuard no_grad;
  const int kmax = space_.kernels.back();  // choice lists are strictly increasing
  for (size_t i = 0; i + 1 < dw_.size(); ++i) {
    const int k = space_.kernels[i], off = (kmax - k) / 2;
    dw_[i]->weight.value().copy_(dw_.back()->weight.value().slice(0, off, k).slice(1, off, k));
    copy_bn(bn_ref(*dw_bn_.back(), mid_max_), bn_ref(*dw_bn_[i], mid_max_));
  }
  const int top = pair_index(BlockConfig{space_.max_expansion(), kmax, space_.se.back()});
  for (int p = 0; p < int(project_bn_.size()); ++p)
    if (p != top) copy_bn(bn_ref(*project_bn_[top], out), bn_ref(*project_bn_[p], out));
}

ChannelImportance ElasticBlock::zero_importance() const {
  return {std::vector<double>(static_cast<size_t>(mid_max_), 0.0), std::vector<double>(static_cast<size_t>(hid_max_), 0.0)};
}

void ElasticBlock::add_channel_importance(ChannelImportance& imp) const {
  add_taylor_importance(expand_->weight, 0, imp.channels);
  for (const auto& dw : dw_) add_taylor_importance(dw->weight, 2, imp.channels);
  add_taylor_importance(se_expand_->weight, 0, imp.channels);
  add_taylor_importance(se_reduce_->weight, 0, imp.hidden);
}

void ElasticBlock::permute_channels(const std::vector<int>& channels, const std::vector<int>& hidden) {
  check_permutation(channels, static_cast<size_t>(mid_max_), "the channel order");
  check_permutation(hidden, static_cast<size_t>(hid_max_), "the hidden-unit order");
  NoGradGuard no_grad;
  permute_dim(expand_->weight.value(), 0, channels);
  permute_bn(*expand_bn_, channels);
  for (size_t i = 0; i < dw_.size(); ++i) {
    permute_dim(dw_[i]->weight.value(), 2, channels);
    permute_bn(*dw_bn_[i], channels);
  }
  permute_dim(se_reduce_->weight.value(), 1, channels);
  permute_dim(se_reduce_->weight.value(), 0, hidden), permute_dim(se_reduce_->bias.value(), 0, hidden);
  permute_dim(se_expand_->weight.value(), 1, hidden);
  permute_dim(se_expand_->weight.value(), 0, channels), permute_dim(se_expand_->bias.value(), 0, channels);
  permute_dim(project_->weight.value(), 1, channels);
}

InvertedResidualWeights ElasticBlock::weights(int config) {
  const BlockConfig c = space_.config(config);
  const int mid = space_.expanded(in, c.expansion), hid = space_.se_hidden(mid);
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

// Runs every present branch over the whole batch and keeps, for each sample, its own branch's rows.
static Var select_rows(const std::vector<Var>& branches, const std::vector<int>& choice, const std::vector<int>& present,
                       Device dev) {
  if (branches.size() == 1) return branches[0];
  std::vector<Var> weights;
  for (int b : present) weights.push_back(Var(indicator(choice, b).to(dev)));
  return weighted_sum(branches, weights);
}

// Applies branch `choice[n]` to the rows of sample n, each branch seeing only its own samples.
template <typename F>
static Var route_rows(const Var& x, const std::vector<int>& choice, const std::vector<int>& present, F branch) {
  const int64_t N = x.dim(0);
  std::vector<Var> parts;
  std::vector<std::vector<int64_t>> idx;
  for (int b : present) {
    std::vector<int64_t> rows;
    for (int64_t n = 0; n < N; ++n)
      if (choice[n] == b) rows.push_back(n);
    parts.push_back(branch(b, static_cast<int64_t>(rows.size()) == N ? x : gather_rows(x, rows)));
    idx.push_back(std::move(rows));
  }
  return parts.size() == 1 ? parts[0] : merge_rows(parts, idx, N);
}

static std::vector<int> distinct(const std::vector<int>& v) {
  std::vector<int> out(v);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Var ElasticBlock::forward_multipath(const Var& x, const std::vector<int>& configs) {
  const int64_t N = x.dim(0);
  const Device dev = x.device();
  std::vector<int> mids(N), hids(N), kernel_idx(N), se_on(N), pair(N);
  for (int64_t n = 0; n < N; ++n) {
    const BlockConfig c = space_.config(configs[n]);
    mids[n] = space_.expanded(in, c.expansion);
    hids[n] = space_.se_hidden(mids[n]);
    kernel_idx[n] = int(std::find(space_.kernels.begin(), space_.kernels.end(), c.kernel) - space_.kernels.begin());
    se_on[n] = c.se;
    pair[n] = pair_index(c);
  }
  const std::vector<int> kernels = distinct(kernel_idx), pairs = distinct(pair);
  const Var channel_mask(prefix_mask(mids, mid_max_).to(dev));
  const bool shared = bn_stats == BnStats::Shared;
  // The activation in the depthwise branch: it is elementwise, so it commutes with keeping each
  // sample's own branch (select_rows, route_rows).
  auto dw_branch = [&](int k, const Var& h) { return dw_bn_[k]->forward_act(dw_[k]->forward(h), act); };

  Var h = expand_bn_->forward_act(expand_->forward(x), act);
  Var d;
  if (shared) {
    std::vector<Var> branches;
    for (int k : kernels) branches.push_back(dw_branch(k, h));
    d = select_rows(branches, kernel_idx, kernels, dev);
  } else {
    // Masked channels are zero before the depthwise conv, and are zeroed again after its BN.
    d = route_rows(mul_channels(h, channel_mask), kernel_idx, kernels, dw_branch);
  }
  // The mask after the depthwise BN (whose shift would otherwise revive masked channels), so that
  // everything downstream sees exactly the slice.
  d = mul_channels(d, channel_mask);

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
  auto project_branch = [&](int p, const Var& v) { return project_bn_[p]->forward(v); };
  if (shared) {
    std::vector<Var> branches;
    for (int p : pairs) branches.push_back(project_branch(p, y));
    y = select_rows(branches, pair, pairs, dev);
  } else {
    y = route_rows(y, pair, pairs, project_branch);
  }
  return residual ? add(y, x) : y;
}

}  // namespace iqnas
