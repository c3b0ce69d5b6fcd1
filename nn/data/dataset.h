// Data sets as the loader sees them: N labelled images, each uint8 HWC, read through a const,
// thread-safe interface. Readers for IDX (Fashion-MNIST), CIFAR-10 binary and image folders build
// them; `InMemoryDataset` is the decoded cache used for small data sets.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace iqnas::data {

// Every bad-data failure: one message naming the file and what is wrong with it.
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A borrowed view of one decoded image, uint8, HWC, rows contiguous.
struct ImageView {
  const uint8_t* data = nullptr;
  int h = 0, w = 0, c = 0;
};

// An owned decoded image, uint8, HWC.
struct Image {
  int h = 0, w = 0, c = 0;
  std::vector<uint8_t> pixels;
  ImageView view() const { return {pixels.data(), h, w, c}; }
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::string name() const = 0;
  virtual int64_t size() const = 0;
  virtual int32_t label(int64_t i) const = 0;
  virtual const std::vector<std::string>& class_names() const = 0;
  int num_classes() const { return static_cast<int>(class_names().size()); }
  // Decodes (or looks up) image i. `scratch` is per-thread storage the view may point into; the
  // view stays valid until the next call with the same scratch. Must be safe to call concurrently.
  virtual ImageView image(int64_t i, Image& scratch) const = 0;
  // The common image shape when every image has it (h, w, c > 0), else zeros.
  virtual int fixed_h() const { return 0; }
  virtual int fixed_w() const { return 0; }
  virtual int channels() const = 0;  // channels of every image
  // Where the images came from (file or folder), for messages.
  virtual std::string source() const = 0;
};

// All images decoded in memory as one uint8 block N x H x W x C (Fashion-MNIST: 47 MB, CIFAR-10:
// 184 MB): decode once, augment per batch.
class InMemoryDataset : public Dataset {
 public:
  InMemoryDataset(std::string name, std::string source, int h, int w, int c,
                  std::vector<std::string> class_names);
  // Appends one image (must be h x w x c) with its label (checked against the class count).
  void reserve(int64_t n);
  void add(const uint8_t* pixels, int32_t label);
  uint8_t* append_uninitialised(int32_t label);  // returns the h*w*c bytes to fill

  std::string name() const override { return name_; }
  std::string source() const override { return source_; }
  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  int32_t label(int64_t i) const override { return labels_[static_cast<size_t>(i)]; }
  const std::vector<std::string>& class_names() const override { return classes_; }
  ImageView image(int64_t i, Image&) const override {
    return {pixels_.data() + static_cast<size_t>(i) * image_bytes(), h_, w_, c_};
  }
  int fixed_h() const override { return h_; }
  int fixed_w() const override { return w_; }
  int channels() const override { return c_; }
  size_t image_bytes() const { return static_cast<size_t>(h_) * w_ * c_; }
  const std::vector<uint8_t>& pixels() const { return pixels_; }
  const std::vector<int32_t>& labels() const { return labels_; }

 private:
  std::string name_, source_;
  int h_, w_, c_;
  std::vector<std::string> classes_;
  std::vector<uint8_t> pixels_;
  std::vector<int32_t> labels_;
};

// A subset of another data set (a train or held-out split), by index; the base must outlive it.
class SubsetDataset : public Dataset {
 public:
  SubsetDataset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices, std::string name);
  std::string name() const override { return name_; }
  std::string source() const override { return base_->source(); }
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  int32_t label(int64_t i) const override { return base_->label(indices_[static_cast<size_t>(i)]); }
  const std::vector<std::string>& class_names() const override { return base_->class_names(); }
  ImageView image(int64_t i, Image& scratch) const override {
    return base_->image(indices_[static_cast<size_t>(i)], scratch);
  }
  int fixed_h() const override { return base_->fixed_h(); }
  int fixed_w() const override { return base_->fixed_w(); }
  int channels() const override { return base_->channels(); }
  const std::vector<int64_t>& indices() const { return indices_; }

 private:
  std::shared_ptr<const Dataset> base_;
  std::vector<int64_t> indices_;
  std::string name_;
};

// Images per class (index = label).
std::vector<int64_t> class_counts(const Dataset& d);

// Per-channel mean and standard deviation of the pixels in [0, 1] (exact for in-memory data;
// other data sets are sampled: at most `max_images` evenly spaced images).
void channel_stats(const Dataset& d, std::vector<float>& mean, std::vector<float>& stddev,
                   int64_t max_images = 10000);

}  // namespace iqnas::data
