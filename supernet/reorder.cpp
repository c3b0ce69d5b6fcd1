#include "supernet/reorder.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

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
    for (int b = 0; b < s.stages[st].max_depth(); ++b) imp[st].push_back(net.block(int(st), b).zero_importance());
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
      for (int b = 0; b < s.stages[st].max_depth(); ++b)
        net.block(int(st), b).add_channel_importance(imp[st][static_cast<size_t>(b)]);
  }
  net.zero_grad();
  net.set_arch(saved);
  net.train(was_training);
  return imp;
}

void permute_block(Supernet& net, int stage, int b, const std::vector<int>& channels, const std::vector<int>& hidden) {
  net.block(stage, b).permute_channels(channels, hidden);
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
