// Channel reordering of the trained heaviest network before the supernet inherits it (the
// reference code's step between the two): every block's expansion channels are sorted by Taylor
// importance, sum |w * dL/dw| over the expansion conv's rows, the depthwise kernels' channels and the
// SE expand layer's rows, and the SE hidden units by their own importance (the SE reduce layer's
// rows), measured with cross-entropy on a fraction of each class's training images. The permuted
// heaviest network computes the same function; the smaller expansion ratios, which use the first
// channels, then start from the most important ones.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "nn/data/augment.h"
#include "nn/data/dataset.h"
#include "supernet/supernet.h"

namespace iqnas {

// The first round(fraction * count) images of each class, in data set order (at least one per class
// that has images).
std::vector<int64_t> first_per_class(const data::Dataset& d, double fraction);

// Taylor importance of every block ([stage][block]) of the heaviest architecture, accumulated over
// one pass of `data` (eval mode: BN statistics are untouched; weights unchanged).
std::vector<std::vector<ChannelImportance>> channel_importance(Supernet& net, std::shared_ptr<const data::Dataset> data,
                                                               const data::AugmentConfig& augment, int64_t batch_size,
                                                               int threads);

// Reorders block (stage, b): new channel i is old channel channels[i], new hidden unit j is old
// hidden[j] (both permutations). Function-preserving for the heaviest configuration.
void permute_block(Supernet& net, int stage, int b, const std::vector<int>& channels, const std::vector<int>& hidden);

// channel_importance on first_per_class(train, fraction), then every block sorted by decreasing
// importance (stable).
void reorder_channels(Supernet& net, std::shared_ptr<const data::Dataset> train, const data::AugmentConfig& augment,
                      double fraction, int64_t batch_size, int threads);

}  // namespace iqnas
