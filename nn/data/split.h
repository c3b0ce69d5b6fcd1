// A deterministic, seeded train / held-out split of a training set. Stratified: every class gives
// round(fraction * its count) images to the held-out part, so class balance is kept; both parts are
// returned in increasing index order. The method measures accuracy contributions on the held-out
// part (20% by default).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "nn/data/dataset.h"

namespace iqnas::data {

struct SplitIndices {
  std::vector<int64_t> train, heldout;
};

SplitIndices split_indices(const std::vector<int32_t>& labels, double heldout_fraction = 0.2,
                           uint64_t seed = 0);
SplitIndices split_indices(const Dataset& d, double heldout_fraction = 0.2, uint64_t seed = 0);

struct SplitDatasets {
  std::shared_ptr<SubsetDataset> train, heldout;
};
SplitDatasets split_dataset(std::shared_ptr<const Dataset> d, double heldout_fraction = 0.2,
                            uint64_t seed = 0);

}  // namespace iqnas::data
