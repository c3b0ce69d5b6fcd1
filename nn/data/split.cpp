#include "nn/data/split.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "util/rng.h"

namespace iqnas::data {

SplitIndices split_indices(const std::vector<int32_t>& labels, double fraction, uint64_t seed) {
  if (!(fraction >= 0.0 && fraction < 1.0))
    throw std::invalid_argument("held-out fraction must be in [0, 1), got " + std::to_string(fraction));
  std::map<int32_t, std::vector<int64_t>> by_class;
  for (size_t i = 0; i < labels.size(); ++i) by_class[labels[i]].push_back(static_cast<int64_t>(i));
  SplitIndices s;
  for (auto& [label, idx] : by_class) {
    util::Rng rng(util::mix_seed(seed, 0x5011u, static_cast<uint64_t>(static_cast<uint32_t>(label))));
    util::shuffle(idx, rng);
    const size_t take = static_cast<size_t>(std::llround(fraction * static_cast<double>(idx.size())));
    s.heldout.insert(s.heldout.end(), idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(take));
    s.train.insert(s.train.end(), idx.begin() + static_cast<std::ptrdiff_t>(take), idx.end());
  }
  std::sort(s.train.begin(), s.train.end());
  std::sort(s.heldout.begin(), s.heldout.end());
  return s;
}

SplitIndices split_indices(const Dataset& d, double fraction, uint64_t seed) {
  std::vector<int32_t> labels(static_cast<size_t>(d.size()));
  for (int64_t i = 0; i < d.size(); ++i) labels[static_cast<size_t>(i)] = d.label(i);
  return split_indices(labels, fraction, seed);
}

SplitDatasets split_dataset(std::shared_ptr<const Dataset> d, double fraction, uint64_t seed) {
  SplitIndices s = split_indices(*d, fraction, seed);
  SplitDatasets out;
  out.train = std::make_shared<SubsetDataset>(d, std::move(s.train), d->name() + ":train");
  out.heldout = std::make_shared<SubsetDataset>(d, std::move(s.heldout), d->name() + ":heldout");
  return out;
}

}  // namespace iqnas::data
