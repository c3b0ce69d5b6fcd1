// Per-sample augmentation fused with the uint8 -> float32 conversion and normalisation: one pass
// reads the source image and writes the normalised HWC float output.
//
//   PadCrop            pad `padding` zero pixels on every side, take a random crop of the input
//                      size (CIFAR/Fashion-MNIST training);
//   RandomResizedCrop  a random area fraction in [scale_min, scale_max] and aspect ratio in
//                      [ratio_min, ratio_max], bilinearly resized to out_h x out_w (ImageNet train);
//   ResizeCenterCrop   resize the short side to out * resize_ratio, then take the centre
//                      out_h x out_w (ImageNet evaluation);
//   None               the image as it is (all images must have the output size).
// Then an optional random horizontal flip (p = 0.5) and normalisation (x / 255 - mean) / std per
// channel. Single-channel input can be replicated to 3 output channels for a 3-channel stem.
#pragma once
#include <string>
#include <vector>

#include "nn/data/dataset.h"
#include "util/rng.h"

namespace iqnas::data {

enum class CropMode { None, PadCrop, RandomResizedCrop, ResizeCenterCrop };

struct AugmentConfig {
  CropMode crop = CropMode::None;
  int out_h = 0, out_w = 0;  // output size; 0 = the data set's image size (None, PadCrop)
  int padding = 4;           // PadCrop
  bool hflip = false;
  double scale_min = 0.08, scale_max = 1.0;             // RandomResizedCrop area fraction
  double ratio_min = 3.0 / 4.0, ratio_max = 4.0 / 3.0;  // RandomResizedCrop aspect ratio w/h
  double resize_ratio = 256.0 / 224.0;                  // ResizeCenterCrop: short side = out * this
  std::vector<float> mean, stddev;  // per input channel or one value for all; empty = 0 and 1
  int out_channels = 0;             // 0 = input channels; 3 with 1-channel input replicates it
};

CropMode parse_crop_mode(const std::string& s);  // none|pad-crop|random-resized-crop|resize-center-crop
const char* crop_mode_name(CropMode m);

// Standard settings. `dataset`: fashion-mnist, cifar10 (binary or folder) or imagenet (any other
// folder); `size` is the output side for ImageNet-style folders.
AugmentConfig train_augment(const std::string& dataset, int size = 224);
AugmentConfig eval_augment(const std::string& dataset, int size = 224);
// Normalisation statistics (pixel values in [0, 1]) of the well-known data sets.
void dataset_mean_std(const std::string& dataset, std::vector<float>& mean, std::vector<float>& stddev);

class Augmenter {
 public:
  // in_c: the data set's channels; in_h/in_w its fixed image size (0 when sizes vary).
  Augmenter(const AugmentConfig& cfg, int in_h, int in_w, int in_c);
  int out_h() const { return out_h_; }
  int out_w() const { return out_w_; }
  int out_c() const { return out_c_; }
  // Writes out_h * out_w * out_c floats. `rng` drives every random choice; the same rng state
  // gives the same output. Throws DataError when src does not fit (wrong channels or size).
  void apply(const ImageView& src, util::Rng& rng, float* dst) const;
  const AugmentConfig& config() const { return cfg_; }

 private:
  void sample_region(const ImageView& src, double x0, double y0, double cw, double ch, bool flip,
                     float* dst) const;
  AugmentConfig cfg_;
  int in_c_, out_h_, out_w_, out_c_;
  std::vector<float> scale_, bias_;  // per output channel: out = v * scale + bias
};

}  // namespace iqnas::data
