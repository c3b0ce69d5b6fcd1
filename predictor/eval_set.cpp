#include "predictor/eval_set.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <numeric>
#include <stdexcept>

#include <omp.h>

#include "nn/data/loader.h"
#include "nn/layers.h"
#include "nn/train/classifier.h"
#include "supernet/evaluate.h"
#include "util/choice.h"

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

std::vector<EvalSet> split_eval_set(const EvalSet& set, int64_t group) {
  if (group < 1) throw std::invalid_argument("split_eval_set: groups of " + std::to_string(group) + " images");
  std::vector<EvalSet> groups;
  for (size_t b = 0; b < set.images.size(); ++b) {
    const Tensor& img = set.images[b];
    for (int64_t i = 0; i < img.dim(0);) {
      if (groups.empty() || groups.back().size == group) groups.emplace_back();
      EvalSet& g = groups.back();
      const int64_t n = std::min(img.dim(0) - i, group - g.size);
      g.images.push_back(n == img.dim(0) ? img : img.slice(0, i, n).contiguous());
      g.labels.emplace_back(set.labels[b].begin() + i, set.labels[b].begin() + i + n);
      g.size += n, i += n;
    }
  }
  return groups;
}

PathSample slice_paths(const PathSample& all, int64_t start, int64_t n) { return all.rows(start, n); }

namespace {
constexpr util::Choice<Metric> kMetrics[] = {{"top1", Metric::Top1}, {"logprob", Metric::LogProb}};
}

Metric parse_metric(const std::string& name) { return util::parse_choice(name, kMetrics, "metric"); }

const char* metric_name(Metric m) { return util::choice_name(m, kMetrics); }

namespace {
// The score of one row of logits against its label (see image_scores).
double row_score(const float* row, int64_t classes, int32_t label, Metric m) {
  const float* best = std::max_element(row, row + classes);
  if (m == Metric::Top1) return best - row == label ? 100.0 : 0.0;
  double z = 0;  // log-sum-exp shifted by the largest logit
  for (int64_t j = 0; j < classes; ++j) z += std::exp(static_cast<double>(row[j] - *best));
  return static_cast<double>(row[label] - *best) - std::log(z);
}

// Per-image scores of `forward(first image index, images)` over the set, in eval mode, no gradients.
// On the CPU the batches run concurrently, one per OpenMP thread, each with single-threaded kernels
// (the kernels' own parallel regions are nested, so inactive): for networks this small one parallel
// region per op leaves the second core mostly waiting, while an image's score depends only on its
// own image and path. The kernels split work by rows, never along a sum, so the scores are the
// same bit for bit at any thread count (test: Contributions.ScoresDoNotDependOnTheThreadCount).
template <class Forward>
std::vector<double> scores_of(Layer& net, const EvalSet& set, Metric m, Forward&& forward) {
  const bool was_training = net.training();
  net.eval();
  const int64_t batches = static_cast<int64_t>(set.images.size());
  std::vector<int64_t> start(static_cast<size_t>(batches) + 1, 0);
  for (int64_t b = 0; b < batches; ++b) start[size_t(b) + 1] = start[size_t(b)] + set.images[size_t(b)].dim(0);
  const bool cpu = net.parameters().empty() || net.parameters().front().device() == Device::CPU;
  const int threads = cpu ? static_cast<int>(std::min<int64_t>(omp_get_max_threads(), std::max<int64_t>(batches, 1))) : 1;
  std::vector<double> scores(static_cast<size_t>(start.back()));
  std::exception_ptr error;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (int64_t b = 0; b < batches; ++b) {
    try {
      NoGradGuard no_grad;  // per thread
      const Tensor logits = forward(start[size_t(b)], set.images[size_t(b)]).value().contiguous();
      const int64_t classes = logits.dim(1);
      for (int64_t i = 0; i < set.images[size_t(b)].dim(0); ++i)
        scores[size_t(start[size_t(b)] + i)] =
            row_score(logits.data() + i * classes, classes, set.labels[size_t(b)][static_cast<size_t>(i)], m);
    } catch (...) {
#pragma omp critical(iqnas_scores_error)
      if (!error) error = std::current_exception();
    }
  }
  net.train(was_training);
  if (error) std::rethrow_exception(error);
  return scores;
}
}  // namespace

double mean_score(const std::vector<double>& s) {
  return s.empty() ? 0.0 : std::accumulate(s.begin(), s.end(), 0.0) / static_cast<double>(s.size());
}

std::vector<double> image_scores(Supernet& net, const EvalSet& set, const PathSample& paths, Metric m) {
  if (paths.n != set.size)
    throw std::invalid_argument("image_scores: " + std::to_string(paths.n) + " paths for " + std::to_string(set.size) +
                                " images");
  return scores_of(net, set, m, [&](int64_t start, const Tensor& images) {
    return net.forward(Var(images), slice_paths(paths, start, images.dim(0)));
  });
}

void recalibrate_bn_on_paths(Supernet& net, const EvalSet& images, int batches,
                             const std::function<PathSample(int k, int64_t n)>& paths) {
  if (batches > static_cast<int>(images.images.size()))
    throw std::invalid_argument("recalibration: " + std::to_string(batches) + " batches asked, " +
                                std::to_string(images.images.size()) + " loaded");
  recalibrate_bn(net, batches, [&](int k) {
    const Tensor& x = images.images[static_cast<size_t>(k)];
    net.forward(Var(x), paths(k, x.dim(0)));
  });
}

double arch_accuracy(Supernet& net, const EvalSet& set, const Architecture& arch, Metric m) {
  return mean_score(image_scores(net, set, PathSample::fixed(net.space(), arch, set.size), m));
}

double model_accuracy(Layer& net, const EvalSet& set, Metric m) {
  return mean_score(scores_of(net, set, m, [&](int64_t, const Tensor& images) { return net.forward(Var(images)); }));
}

}  // namespace iqnas::predictor
