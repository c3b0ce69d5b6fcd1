#include "nn/data/augment.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace iqnas::data {

CropMode parse_crop_mode(const std::string& s) {
  if (s == "none") return CropMode::None;
  if (s == "pad-crop") return CropMode::PadCrop;
  if (s == "random-resized-crop") return CropMode::RandomResizedCrop;
  if (s == "resize-center-crop") return CropMode::ResizeCenterCrop;
  throw std::invalid_argument("unknown crop mode '" + s +
                              "' (none, pad-crop, random-resized-crop, resize-center-crop)");
}

const char* crop_mode_name(CropMode m) {
  switch (m) {
    case CropMode::None: return "none";
    case CropMode::PadCrop: return "pad-crop";
    case CropMode::RandomResizedCrop: return "random-resized-crop";
    case CropMode::ResizeCenterCrop: return "resize-center-crop";
  }
  return "?";
}

void dataset_mean_std(const std::string& dataset, std::vector<float>& mean, std::vector<float>& stddev) {
  if (dataset == "fashion-mnist") {
    mean = {0.2860f};
    stddev = {0.3530f};
  } else if (dataset.rfind("cifar10", 0) == 0) {
    mean = {0.4914f, 0.4822f, 0.4465f};
    stddev = {0.2470f, 0.2435f, 0.2616f};
  } else {  // ImageNet statistics, the usual default for photographs
    mean = {0.485f, 0.456f, 0.406f};
    stddev = {0.229f, 0.224f, 0.225f};
  }
}

AugmentConfig train_augment(const std::string& dataset, int size) {
  AugmentConfig a;
  dataset_mean_std(dataset, a.mean, a.stddev);
  a.hflip = true;
  if (dataset == "fashion-mnist" || dataset.rfind("cifar10", 0) == 0) {
    a.crop = CropMode::PadCrop;
    a.padding = 4;
  } else {
    a.crop = CropMode::RandomResizedCrop;
    a.out_h = a.out_w = size;
  }
  return a;
}

AugmentConfig eval_augment(const std::string& dataset, int size) {
  AugmentConfig a;
  dataset_mean_std(dataset, a.mean, a.stddev);
  if (dataset != "fashion-mnist" && dataset.rfind("cifar10", 0) != 0) {
    a.crop = CropMode::ResizeCenterCrop;
    a.out_h = a.out_w = size;
  }
  return a;
}

Augmenter::Augmenter(const AugmentConfig& cfg, int in_h, int in_w, int in_c) : cfg_(cfg), in_c_(in_c) {
  if (in_c <= 0) throw std::invalid_argument("Augmenter: input channels must be positive");
  out_c_ = cfg.out_channels > 0 ? cfg.out_channels : in_c;
  if (out_c_ != in_c && !(in_c == 1 && out_c_ > 1))
    throw std::invalid_argument("Augmenter: cannot turn " + std::to_string(in_c) + " channels into " +
                                std::to_string(out_c_) + " (only 1 -> n replication)");
  out_h_ = cfg.out_h > 0 ? cfg.out_h : in_h;
  out_w_ = cfg.out_w > 0 ? cfg.out_w : in_w;
  if (out_h_ <= 0 || out_w_ <= 0)
    throw std::invalid_argument(std::string("Augmenter: crop mode ") + crop_mode_name(cfg.crop) +
                                " needs an output size when the images have different sizes");
  if (cfg.crop == CropMode::PadCrop && cfg.padding < 0) throw std::invalid_argument("Augmenter: negative padding");
  if (cfg.crop == CropMode::RandomResizedCrop &&
      !(cfg.scale_min > 0 && cfg.scale_min <= cfg.scale_max && cfg.scale_max <= 1 && cfg.ratio_min > 0 &&
        cfg.ratio_min <= cfg.ratio_max))
    throw std::invalid_argument("Augmenter: random-resized-crop needs 0 < scale_min <= scale_max <= 1 and "
                                "0 < ratio_min <= ratio_max");
  auto per_channel = [&](const std::vector<float>& v, float fallback, const char* what) {
    std::vector<float> out(static_cast<size_t>(out_c_), fallback);
    if (v.empty()) return out;
    if (v.size() != 1 && static_cast<int>(v.size()) != in_c && static_cast<int>(v.size()) != out_c_)
      throw std::invalid_argument(std::string("Augmenter: ") + what + " has " + std::to_string(v.size()) +
                                  " values for " + std::to_string(in_c) + " channels");
    for (int c = 0; c < out_c_; ++c) out[static_cast<size_t>(c)] = v[v.size() == 1 ? 0 : static_cast<size_t>(c) % v.size()];
    return out;
  };
  const auto mean = per_channel(cfg.mean, 0.f, "mean");
  const auto sd = per_channel(cfg.stddev, 1.f, "stddev");
  for (int c = 0; c < out_c_; ++c) {
    if (!(sd[static_cast<size_t>(c)] > 0)) throw std::invalid_argument("Augmenter: stddev must be positive");
    scale_.push_back(1.f / (255.f * sd[static_cast<size_t>(c)]));
    bias_.push_back(-mean[static_cast<size_t>(c)] / sd[static_cast<size_t>(c)]);
  }
}

// Bilinear sampling of the source region [x0, x0 + cw) x [y0, y0 + ch) (pixel-edge coordinates)
// onto the output grid, mirrored when `flip`.
void Augmenter::sample_region(const ImageView& src, double x0, double y0, double cw, double ch, bool flip,
                              float* dst) const {
  const int W = src.w, H = src.h, C = src.c;
  thread_local std::vector<int> xi0, xi1;
  thread_local std::vector<float> xw;
  xi0.resize(static_cast<size_t>(out_w_));
  xi1.resize(static_cast<size_t>(out_w_));
  xw.resize(static_cast<size_t>(out_w_));
  const double sx = cw / out_w_, sy = ch / out_h_;
  for (int x = 0; x < out_w_; ++x) {
    const int ox = flip ? out_w_ - 1 - x : x;
    double fx = x0 + (ox + 0.5) * sx - 0.5;
    fx = std::min(std::max(fx, 0.0), static_cast<double>(W - 1));
    const int i0 = static_cast<int>(fx);
    xi0[static_cast<size_t>(x)] = i0 * C;
    xi1[static_cast<size_t>(x)] = std::min(i0 + 1, W - 1) * C;
    xw[static_cast<size_t>(x)] = static_cast<float>(fx - i0);
  }
  const size_t stride = static_cast<size_t>(W) * C;
  for (int y = 0; y < out_h_; ++y) {
    double fy = y0 + (y + 0.5) * sy - 0.5;
    fy = std::min(std::max(fy, 0.0), static_cast<double>(H - 1));
    const int j0 = static_cast<int>(fy);
    const float wy = static_cast<float>(fy - j0);
    const uint8_t* r0 = src.data + static_cast<size_t>(j0) * stride;
    const uint8_t* r1 = src.data + static_cast<size_t>(std::min(j0 + 1, H - 1)) * stride;
    float* out = dst + static_cast<size_t>(y) * out_w_ * out_c_;
    for (int x = 0; x < out_w_; ++x) {
      const int a = xi0[static_cast<size_t>(x)], b = xi1[static_cast<size_t>(x)];
      const float wx = xw[static_cast<size_t>(x)];
      for (int c = 0; c < out_c_; ++c) {
        const int ic = C == 1 ? 0 : c;
        const float top = r0[a + ic] + wx * (r0[b + ic] - r0[a + ic]);
        const float bot = r1[a + ic] + wx * (r1[b + ic] - r1[a + ic]);
        const float v = top + wy * (bot - top);
        out[x * out_c_ + c] = v * scale_[static_cast<size_t>(c)] + bias_[static_cast<size_t>(c)];
      }
    }
  }
}

void Augmenter::apply(const ImageView& src, util::Rng& rng, float* dst) const {
  if (src.c != in_c_)
    throw DataError("image has " + std::to_string(src.c) + " channels, expected " + std::to_string(in_c_));
  const int H = src.h, W = src.w, C = src.c;
  switch (cfg_.crop) {
    case CropMode::None:
    case CropMode::PadCrop: {
      if (H != out_h_ || W != out_w_)
        throw DataError("image is " + std::to_string(H) + "x" + std::to_string(W) + " but crop mode " +
                        crop_mode_name(cfg_.crop) + " outputs " + std::to_string(out_h_) + "x" +
                        std::to_string(out_w_) + " (use resize-center-crop or random-resized-crop)");
      int dy = 0, dx = 0;
      if (cfg_.crop == CropMode::PadCrop && cfg_.padding > 0) {
        const uint64_t range = 2 * static_cast<uint64_t>(cfg_.padding) + 1;
        dy = static_cast<int>(rng.below(range)) - cfg_.padding;
        dx = static_cast<int>(rng.below(range)) - cfg_.padding;
      }
      const bool flip = cfg_.hflip && rng.coin();
      // output(y, x) = input(y + dy, x' + dx), x' = x or W-1-x, zero outside the image.
      for (int y = 0; y < out_h_; ++y) {
        float* out = dst + static_cast<size_t>(y) * out_w_ * out_c_;
        const int sy = y + dy;
        if (sy < 0 || sy >= H) {
          for (int x = 0; x < out_w_; ++x)
            for (int c = 0; c < out_c_; ++c) out[x * out_c_ + c] = bias_[static_cast<size_t>(c)];
          continue;
        }
        const uint8_t* row = src.data + static_cast<size_t>(sy) * W * C;
        for (int x = 0; x < out_w_; ++x) {
          const int sx = (flip ? W - 1 - x : x) + dx;
          float* o = out + x * out_c_;
          if (sx < 0 || sx >= W) {
            for (int c = 0; c < out_c_; ++c) o[c] = bias_[static_cast<size_t>(c)];
          } else {
            const uint8_t* p = row + sx * C;
            for (int c = 0; c < out_c_; ++c)
              o[c] = p[C == 1 ? 0 : c] * scale_[static_cast<size_t>(c)] + bias_[static_cast<size_t>(c)];
          }
        }
      }
      return;
    }
    case CropMode::RandomResizedCrop: {
      const double area = static_cast<double>(H) * W;
      const double lr0 = std::log(cfg_.ratio_min), lr1 = std::log(cfg_.ratio_max);
      double cw = W, ch = H, x0 = 0, y0 = 0;
      bool found = false;
      for (int attempt = 0; attempt < 10 && !found; ++attempt) {
        const double target = area * rng.uniform(cfg_.scale_min, cfg_.scale_max);
        const double ratio = std::exp(rng.uniform(lr0, lr1));
        const double w = std::round(std::sqrt(target * ratio)), h = std::round(std::sqrt(target / ratio));
        if (w >= 1 && h >= 1 && w <= W && h <= H) {
          cw = w;
          ch = h;
          x0 = static_cast<double>(rng.below(static_cast<uint64_t>(W - w) + 1));
          y0 = static_cast<double>(rng.below(static_cast<uint64_t>(H - h) + 1));
          found = true;
        }
      }
      if (!found) {  // centre crop with the aspect ratio clamped into range
        const double r = static_cast<double>(W) / H;
        if (r < cfg_.ratio_min) {
          cw = W;
          ch = std::round(W / cfg_.ratio_min);
        } else if (r > cfg_.ratio_max) {
          ch = H;
          cw = std::round(H * cfg_.ratio_max);
        }
        x0 = std::floor((W - cw) / 2);
        y0 = std::floor((H - ch) / 2);
      }
      const bool flip = cfg_.hflip && rng.coin();
      sample_region(src, x0, y0, cw, ch, flip, dst);
      return;
    }
    case CropMode::ResizeCenterCrop: {
      const double short_out = std::min(out_h_, out_w_) * cfg_.resize_ratio;
      const double scale = short_out / std::min(H, W);  // resized = source * scale
      const double rh = std::round(H * scale), rw = std::round(W * scale);
      const double sy = rh / H, sx = rw / W;
      const double top = std::round((rh - out_h_) / 2), left = std::round((rw - out_w_) / 2);
      const bool flip = cfg_.hflip && rng.coin();
      sample_region(src, left / sx, top / sy, out_w_ / sx, out_h_ / sy, flip, dst);
      return;
    }
  }
}

}  // namespace iqnas::data
