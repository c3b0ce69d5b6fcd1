#include "predictor/eval_set.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "nn/data/loader.h"
#include "nn/train/classifier.h"

namespace iqnas::predictor {

EvalSet load_eval_set(std::shared_ptr<const data::Dataset> data, const data::AugmentConfig& eval_aug,
                      int64_t max_images, int64_t batch_size, uint64_t seed, int threads) {
  if (batch_size < 1) throw std::invalid_argument("evaluation batch size must be at least 1");
  data::LoaderOptions lo;
  lo.batch_size = batch_size, lo.threads = threads, lo.shuffle = true, lo.seed = seed, lo.augment = eval_aug;
  data::Loader loader(data, lo);
  const int64_t total = loader.samples_per_epoch();
  const int64_t want = max_images > 0 ? std::min(max_images, total) : total;
  EvalSet set;
  while (set.size < want) {
    const data::Batch b = loader.next();
    const int64_t n = std::min(b.n, want - set.size);
    Tensor img = batch_images(b, Device::CPU);
    set.images.push_back(n == b.n ? img : img.slice(0, 0, n).contiguous());
    std::vector<int32_t> lab = batch_labels(b);
    lab.resize(static_cast<size_t>(n));
    set.labels.push_back(std::move(lab));
    set.size += n;
  }
  return set;
}

PathSample slice_paths(const PathSample& all, int64_t start, int64_t n) { return all.rows(start, n); }

namespace {
// Per-image correctness of `forward(batch index, images)` over the set, in eval mode, no gradients.
template <class Forward>
std::vector<uint8_t> correct_of(Layer& net, const EvalSet& set, Forward&& forward) {
  const bool was_training = net.training();
  net.eval();
  NoGradGuard no_grad;
  std::vector<uint8_t> correct;
  correct.reserve(static_cast<size_t>(set.size));
  int64_t start = 0;
  for (size_t b = 0; b < set.images.size(); ++b) {
    const int64_t n = set.images[b].dim(0);
    const Tensor logits = forward(start, set.images[b]).value().contiguous();
    const int64_t classes = logits.dim(1);
    const float* l = logits.data();
    for (int64_t i = 0; i < n; ++i) {
      const float* row = l + i * classes;
      const int64_t best = std::max_element(row, row + classes) - row;
      correct.push_back(best == set.labels[b][static_cast<size_t>(i)] ? 1 : 0);
    }
    start += n;
  }
  net.train(was_training);
  return correct;
}

double percent(const std::vector<uint8_t>& c) {
  return c.empty() ? 0.0 : 100.0 * std::accumulate(c.begin(), c.end(), 0.0) / static_cast<double>(c.size());
}
}  // namespace

std::vector<uint8_t> correct_per_image(Supernet& net, const EvalSet& set, const PathSample& paths) {
  if (paths.n != set.size)
    throw std::invalid_argument("correct_per_image: " + std::to_string(paths.n) + " paths for " +
                                std::to_string(set.size) + " images");
  return correct_of(net, set, [&](int64_t start, const Tensor& images) {
    return net.forward(Var(images), slice_paths(paths, start, images.dim(0)));
  });
}

double arch_accuracy(Supernet& net, const EvalSet& set, const Architecture& arch) {
  return percent(correct_per_image(net, set, PathSample::fixed(net.space(), arch, set.size)));
}

double model_accuracy(Layer& net, const EvalSet& set) {
  return percent(correct_of(net, set, [&](int64_t, const Tensor& images) { return net.forward(Var(images)); }));
}

}  // namespace iqnas::predictor
