#include "nn/data/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace iqnas::data {

InMemoryDataset::InMemoryDataset(std::string name, std::string source, int h, int w, int c,
                                 std::vector<std::string> class_names)
    : name_(std::move(name)), source_(std::move(source)), h_(h), w_(w), c_(c),
      classes_(std::move(class_names)) {
  if (h <= 0 || w <= 0 || c <= 0)
    throw DataError(source_ + ": invalid image shape " + std::to_string(h) + "x" + std::to_string(w) +
                    "x" + std::to_string(c));
}

void InMemoryDataset::reserve(int64_t n) {
  pixels_.reserve(static_cast<size_t>(n) * image_bytes());
  labels_.reserve(static_cast<size_t>(n));
}

uint8_t* InMemoryDataset::append_uninitialised(int32_t label) {
  if (label < 0 || label >= static_cast<int32_t>(classes_.size()))
    throw DataError(source_ + ": label " + std::to_string(label) + " of image " +
                    std::to_string(labels_.size()) + " is out of range [0, " +
                    std::to_string(classes_.size()) + ")");
  labels_.push_back(label);
  pixels_.resize(pixels_.size() + image_bytes());
  return pixels_.data() + pixels_.size() - image_bytes();
}

void InMemoryDataset::add(const uint8_t* pixels, int32_t label) {
  std::memcpy(append_uninitialised(label), pixels, image_bytes());
}

SubsetDataset::SubsetDataset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices,
                             std::string name)
    : base_(std::move(base)), indices_(std::move(indices)), name_(std::move(name)) {
  for (int64_t i : indices_)
    if (i < 0 || i >= base_->size())
      throw std::out_of_range("SubsetDataset: index " + std::to_string(i) + " outside " +
                              base_->name() + " of size " + std::to_string(base_->size()));
}

std::vector<int64_t> class_counts(const Dataset& d) {
  std::vector<int64_t> counts(static_cast<size_t>(d.num_classes()), 0);
  for (int64_t i = 0; i < d.size(); ++i) {
    int32_t l = d.label(i);
    if (l >= 0 && l < static_cast<int32_t>(counts.size())) ++counts[static_cast<size_t>(l)];
  }
  return counts;
}

void channel_stats(const Dataset& d, std::vector<float>& mean, std::vector<float>& stddev,
                   int64_t max_images) {
  const int c = d.channels();
  std::vector<double> sum(static_cast<size_t>(c), 0.0), sq(static_cast<size_t>(c), 0.0);
  std::vector<int64_t> count(static_cast<size_t>(c), 0);
  const int64_t n = d.size();
  const bool in_memory = dynamic_cast<const InMemoryDataset*>(&d) != nullptr;
  const int64_t take = (in_memory || max_images <= 0) ? n : std::min(n, max_images);
  Image scratch;
  for (int64_t k = 0; k < take; ++k) {
    const int64_t i = take == n ? k : k * n / take;
    ImageView v = d.image(i, scratch);
    // Per image, integer histograms per channel would be faster; sums are exact enough here.
    const int64_t pixels = static_cast<int64_t>(v.h) * v.w;
    for (int ch = 0; ch < v.c && ch < c; ++ch) {
      uint64_t s = 0, s2 = 0;
      for (int64_t p = 0; p < pixels; ++p) {
        const uint64_t x = v.data[p * v.c + ch];
        s += x;
        s2 += x * x;
      }
      sum[static_cast<size_t>(ch)] += static_cast<double>(s);
      sq[static_cast<size_t>(ch)] += static_cast<double>(s2);
      count[static_cast<size_t>(ch)] += pixels;
    }
  }
  mean.assign(static_cast<size_t>(c), 0.f);
  stddev.assign(static_cast<size_t>(c), 0.f);
  for (size_t ch = 0; ch < static_cast<size_t>(c); ++ch) {
    if (count[ch] == 0) continue;
    const double m = sum[ch] / count[ch] / 255.0;
    const double var = sq[ch] / count[ch] / (255.0 * 255.0) - m * m;
    mean[ch] = static_cast<float>(m);
    stddev[ch] = static_cast<float>(std::sqrt(std::max(var, 0.0)));
  }
}

}  // namespace iqnas::data
