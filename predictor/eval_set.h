// A fixed set of evaluation images held in memory (eval transform, a seeded random subset of a
// split), and the per-image score of a supernet whose images each run their own path.
// The accuracy measurements (contributions, random sub-networks) all read the same set, so
// their numbers are comparable and, with the same path draws, their differences have low variance.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/data/augment.h"
#include "nn/data/dataset.h"
#include "supernet/supernet.h"

namespace iqnas::predictor {

struct EvalSet {
  std::vector<Tensor> images;               // batches [n, H, W, C]
  std::vector<std::vector<int32_t>> labels;  // per batch
  int64_t size = 0;
};

// `max_images` (0: all) images of `data`, drawn by a seeded shuffle, in batches of `batch_size`.
EvalSet load_eval_set(std::shared_ptr<const data::Dataset> data, const data::AugmentConfig& eval_aug,
                      int64_t max_images, int64_t batch_size, uint64_t seed, int threads);

// What a measurement averages over the images: top-1 correctness (percent), or the log-probability
// the network gives the true class (nats, <= 0). The second is smoother: every image moves it a
// little when a decision changes, where top-1 moves only when an image's arg-max flips, so the
// same images give a less noisy difference between two measurements (docs/predictor.md).
enum class Metric { Top1, LogProb };
Metric parse_metric(const std::string& name);  // "top1" | "logprob"; std::invalid_argument otherwise
const char* metric_name(Metric m);

// The images of `set` in consecutive groups of `group` images (the last may have fewer), each group
// keeping the set's batch boundaries (so its batches still run concurrently).
std::vector<EvalSet> split_eval_set(const EvalSet& set, int64_t group);

// Images start .. start + n of a path sample over the whole set.
PathSample slice_paths(const PathSample& all, int64_t start, int64_t n);

// The score of every image, running path i of `paths` (which covers the whole set): 100 when
// classified correctly, else 0 (Top1), or log softmax(logits)[label] (LogProb). The mean over the
// images is the measurement. The supernet runs in eval mode without gradients.
std::vector<double> image_scores(Supernet& net, const EvalSet& set, const PathSample& paths, Metric m);
double mean_score(const std::vector<double>& scores);  // 0 for none

// Sets the supernet's BN running statistics to their mean over the first `batches` batches of
// `images`, batch k running the paths `paths(k, n)` (train-mode forward passes, no gradients): the
// statistics of the sub-network distribution those paths draw, instead of the ones training left.
void recalibrate_bn_on_paths(Supernet& net, const EvalSet& images, int batches,
                             const std::function<PathSample(int k, int64_t n)>& paths);

// The measurement of one architecture on the whole set (top-1 accuracy in percent by default), run
// on the supernet's weight slices (equal to the extracted network's in eval mode).
double arch_accuracy(Supernet& net, const EvalSet& set, const Architecture& arch, Metric m = Metric::Top1);
// The same of any classifier (an extracted sub-network) in eval mode.
double model_accuracy(Layer& net, const EvalSet& set, Metric m = Metric::Top1);

}  // namespace iqnas::predictor
