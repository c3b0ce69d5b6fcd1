#include "supernet/reorder.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>

#include "nn/ops.h"
#include "nn/train/loop.h"

namespace iqnas {

std::vector<int64_t> first_per_class(const data::Dataset& d, double fraction) {
  if (!(fraction > 0 && fraction <= 1)) throw std::invalid_argument("first_per_class: fraction must be in (0, 1]");
  std::vector<int64_t> count(static_cast<size_t>(d.num_classes()), 0), taken(count.size(), 0), out;
  for (int64_t i = 0; i < d.size(); ++i) ++count[static_cast<size_t>(d.label(i))];
  for (int64_t i = 0; i < d.size(); ++i) {
    const auto c = static_cast<size_t>(d.label(i));
    const int64_t want = std::max<int64_t>(1, std::llround(fraction * static_cast<double>(count[c])));
    if (taken[c] < want) ++taken[c], out.push_back(i);
  }
  return out;
}

namespace {

std::map<std::string, Var> params_of(Module& m) {
  std::map<std::string, Var> p;
  for (auto& [n, v] : m.named_parameters()) p[n] = v;
  return p;
}

// Adds sum |w * g| over every index but `dim` to acc[index along dim].
void accumulate(const Var& w, int dim, std::vector<double>& acc) {
  if (!w.grad().defined()) return;
  const Tensor v = w.value().to(Device::CPU).contiguous(), g = w.grad().to(Device::CPU).contiguous();
  int64_t inner = 1, outer = 1;
  for (int d = dim + 1; d < static_cast<int>(v.shape().size()); ++d) inner *= v.dim(d);
  for (int d = 0; d < dim; ++d) outer *= v.dim(d);
  const int64_t n = v.dim(dim);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < inner; ++k) {
        const int64_t at = (o * n + i) * inner + k;
        acc[static_cast<size_t>(i)] += std::fabs(static_cast<double>(v.data()[at]) * g.data()[at]);
      }
}

// t[..., i, ...] = old t[..., order[i], ...] along `dim`, in place (any device).
void permute_dim(Tensor& t, int dim, const std::vector<int>& order) {
  const Tensor v = t.to(Device::CPU).contiguous();
  Tensor out = Tensor::empty(v.shape());
  int64_t inner = 1, outer = 1;
  for (int d = dim + 1; d < static_cast<int>(v.shape().size()); ++d) inner *= v.dim(d);
  for (int d = 0; d < dim; ++d) outer *= v.dim(d);
  const int64_t n = v.dim(dim);
  if (static_cast<int64_t>(order.size()) != n) throw std::invalid_argument("permute_dim: wrong permutation length");
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < n; ++i)
      std::copy_n(v.data() + (o * n + order[static_cast<size_t>(i)]) * inner, inner, out.data() + (o * n + i) * inner);
  t.copy_(out);
}

void check_permutation(const std::vector<int>& p, size_t n, const char* what) {
  std::vector<int> s(p);
  std::sort(s.begin(), s.end());
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] != static_cast<int>(i) || s.size() != n)
      throw std::invalid_argument(std::string("permute_block: ") + what + " is not a permutation of " + std::to_string(n));
}

std::vector<int> decreasing(const std::vector<double>& importance) {
  std::vector<int> order(importance.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return importance[a] > importance[b]; });
  return order;
}

}  // namespace

std::vector<std::vector<ChannelImportance>> channel_importance(Supernet& net, std::shared_ptr<const data::Dataset> data,
                                                               const data::AugmentConfig& augment, int64_t batch_size,
                                                               int threads) {
  const SearchSpace& s = net.space();
  std::vector<std::vector<ChannelImportance>> imp(s.stages.size());
  for (size_t st = 0; st < s.stages.size(); ++st)
    for (int b = 0; b < s.stages[st].max_depth(); ++b) {
      auto p = params_of(net.block(int(st), b));
      imp[st].push_back({std::vector<double>(static_cast<size_t>(p.at("expand.weight").dim(0)), 0.0),
                         std::vector<double>(static_cast<size_t>(p.at("se_reduce.weight").dim(0)), 0.0)});
    }
  const Architecture saved = net.arch();
  const bool was_training = net.training();
  net.set_arch(heaviest_arch(s));
  net.eval();
  data::LoaderOptions lo;
  lo.batch_size = batch_size, lo.threads = threads, lo.shuffle = false, lo.augment = augment;
  data::Loader loader(data, lo);
  const Device dev = net.parameters().front().device();
  for (int64_t i = 0; i < loader.batches_per_epoch(); ++i) {
    const data::Batch batch = loader.next();
    net.zero_grad();
    cross_entropy(net.forward(Var(batch_images(batch, dev))), batch_labels(batch)).backward();
    for (size_t st = 0; st < s.stages.size(); ++st)
      for (int b = 0; b < s.stages[st].max_depth(); ++b) {
        auto p = params_of(net.block(int(st), b));
        ChannelImportance& c = imp[st][static_cast<size_t>(b)];
        accumulate(p.at("expand.weight"), 0, c.channels);
        for (int k : s.kernels) accumulate(p.at("dw_k" + std::to_string(k) + ".weight"), 2, c.channels);
        accumulate(p.at("se_expand.weight"), 0, c.channels);
        accumulate(p.at("se_reduce.weight"), 0, c.hidden);
      }
  }
  net.zero_grad();
  net.set_arch(saved);
  net.train(was_training);
  return imp;
}

void permute_block(Supernet& net, int stage, int b, const std::vector<int>& channels, const std::vector<int>& hidden) {
  ElasticBlock& block = net.block(stage, b);
  auto p = params_of(block);
  std::map<std::string, Tensor*> buf;
  for (auto& [n, t] : block.named_buffers()) buf[n] = t;
  check_permutation(channels, static_cast<size_t>(p.at("expand.weight").dim(0)), "the channel order");
  check_permutation(hidden, static_cast<size_t>(p.at("se_reduce.weight").dim(0)), "the hidden-unit order");
  NoGradGuard ng;
  auto perm_param = [&](const std::string& name, int dim, const std::vector<int>& order) {
    permute_dim(p.at(name).value(), dim, order);
  };
  auto perm_bn = [&](const std::string& bn) {
    perm_param(bn + ".weight", 0, channels), perm_param(bn + ".bias", 0, channels);
    permute_dim(*buf.at(bn + ".running_mean"), 0, channels), permute_dim(*buf.at(bn + ".running_var"), 0, channels);
  };
  perm_param("expand.weight", 0, channels);
  perm_bn("expand_bn");
  for (int k : net.space().kernels) {
    perm_param("dw_k" + std::to_string(k) + ".weight", 2, channels);
    perm_bn("dw_k" + std::to_string(k) + "_bn");
  }
  perm_param("se_reduce.weight", 1, channels);
  perm_param("se_reduce.weight", 0, hidden), perm_param("se_reduce.bias", 0, hidden);
  perm_param("se_expand.weight", 1, hidden);
  perm_param("se_expand.weight", 0, channels), perm_param("se_expand.bias", 0, channels);
  perm_param("project.weight", 1, channels);
}

void reorder_channels(Supernet& net, std::shared_ptr<const data::Dataset> train, const data::AugmentConfig& augment,
                      double fraction, int64_t batch_size, int threads) {
  auto subset = std::make_shared<data::SubsetDataset>(train, first_per_class(*train, fraction),
                                                      train->name() + "-reorder");
  const auto imp = channel_importance(net, subset, augment, batch_size, threads);
  for (size_t st = 0; st < imp.size(); ++st)
    for (size_t b = 0; b < imp[st].size(); ++b)
      permute_block(net, int(st), int(b), decreasing(imp[st][b].channels), decreasing(imp[st][b].hidden));
}

}  // namespace iqnas
