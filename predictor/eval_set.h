// A fixed set of evaluation images held in memory (eval transform, a seeded random subset of a
// split), and the per-image correctness of a supernet whose images each run their own path.
// The accuracy measurements (contributions, random sub-networks) all read the same set, so
// their numbers are comparable and, with the same path draws, their differences have low variance.
#pragma once
#include <cstdint>
#include <memory>
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

// Images start .. start + n of a path sample over the whole set.
PathSample slice_paths(const PathSample& all, int64_t start, int64_t n);

// 1 where image i, running path i of `paths` (which covers the whole set), is classified correctly.
// The supernet runs in eval mode without gradients.
std::vector<uint8_t> correct_per_image(Supernet& net, const EvalSet& set, const PathSample& paths);

// Top-1 accuracy in percent of one architecture on the whole set, run on the supernet's weight
// slices (equal to the extracted network's in eval mode).
double arch_accuracy(Supernet& net, const EvalSet& set, const Architecture& arch);
// Top-1 accuracy in percent of any classifier (an extracted sub-network) in eval mode.
double model_accuracy(Layer& net, const EvalSet& set);

}  // namespace iqnas::predictor
