// Augmentation properties: flip mirrors, pad-crop shifts with zero padding and keeps the shape,
// normalisation gives the expected values, replication, resize modes.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/data/augment.h"
#include "test_util.h"

namespace iqnas::data {
namespace {

Image ramp(int h, int w, int c) {
  Image img;
  img.h = h, img.w = w, img.c = c;
  img.pixels.resize(static_cast<size_t>(h) * w * c);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k) img.pixels[static_cast<size_t>((y * w + x) * c + k)] = static_cast<uint8_t>(y * 16 + x + 50 * k);
  return img;
}

float px(const std::vector<float>& v, int w, int c, int y, int x, int k) { return v[static_cast<size_t>((y * w + x) * c + k)]; }

TEST(Augment, NoneIsScaledCopy) {
  const Image img = ramp(5, 7, 3);
  Augmenter aug(AugmentConfig{}, 5, 7, 3);
  std::vector<float> out(5 * 7 * 3);
  util::Rng rng(1);
  aug.apply(img.view(), rng, out.data());
  for (size_t i = 0; i < out.size(); ++i) EXPECT_FLOAT_EQ(out[i], img.pixels[i] / 255.f);
}

TEST(Augment, FlipIsAMirror) {
  const Image img = ramp(6, 9, 3);
  AugmentConfig cfg;
  cfg.hflip = true;
  Augmenter aug(cfg, 6, 9, 3);
  std::vector<float> out(6 * 9 * 3);
  int flipped = 0, kept = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    util::Rng rng(seed);
    aug.apply(img.view(), rng, out.data());
    const bool is_flip = px(out, 9, 3, 0, 0, 0) != img.pixels[0] / 255.f;
    (is_flip ? flipped : kept)++;
    for (int y = 0; y < 6; ++y)
      for (int x = 0; x < 9; ++x)
        for (int k = 0; k < 3; ++k) {
          const int sx = is_flip ? 8 - x : x;
          ASSERT_FLOAT_EQ(px(out, 9, 3, y, x, k), img.pixels[static_cast<size_t>((y * 9 + sx) * 3 + k)] / 255.f);
        }
  }
  EXPECT_GT(flipped, 5);
  EXPECT_GT(kept, 5);
}

TEST(Augment, PadCropKeepsShapeAndShiftsWithZeros) {
  const Image img = ramp(8, 8, 1);
  AugmentConfig cfg;
  cfg.crop = CropMode::PadCrop;
  cfg.padding = 2;
  Augmenter aug(cfg, 8, 8, 1);
  EXPECT_EQ(aug.out_h(), 8);
  EXPECT_EQ(aug.out_w(), 8);
  std::vector<float> out(64);
  for (uint64_t seed = 0; seed < 30; ++seed) {
    util::Rng rng(seed);
    aug.apply(img.view(), rng, out.data());
    // Find the shift (dy, dx) in [-2, 2] that explains the output exactly.
    int matches = 0;
    for (int dy = -2; dy <= 2; ++dy)
      for (int dx = -2; dx <= 2; ++dx) {
        bool ok = true;
        for (int y = 0; y < 8 && ok; ++y)
          for (int x = 0; x < 8 && ok; ++x) {
            const int sy = y + dy, sx = x + dx;
            const float want = (sy < 0 || sy >= 8 || sx < 0 || sx >= 8) ? 0.f : img.pixels[static_cast<size_t>(sy * 8 + sx)] / 255.f;
            ok = std::fabs(out[static_cast<size_t>(y * 8 + x)] - want) < 1e-6f;
          }
        matches += ok;
      }
    EXPECT_EQ(matches, 1) << "seed " << seed;
  }
}

TEST(Augment, NormalisationGivesExpectedValues) {
  Image img;
  img.h = img.w = 4, img.c = 3;
  img.pixels.assign(48, 0);
  for (size_t i = 0; i < 48; ++i) img.pixels[i] = static_cast<uint8_t>(i % 3 == 0 ? 51 : i % 3 == 1 ? 102 : 255);
  AugmentConfig cfg;
  cfg.mean = {0.2f, 0.4f, 0.5f};
  cfg.stddev = {0.1f, 0.2f, 0.25f};
  Augmenter aug(cfg, 4, 4, 3);
  std::vector<float> out(48);
  util::Rng rng(0);
  aug.apply(img.view(), rng, out.data());
  for (size_t i = 0; i < 48; i += 3) {
    EXPECT_NEAR(out[i], 0.f, 1e-5);            // (0.2 - 0.2) / 0.1
    EXPECT_NEAR(out[i + 1], 0.f, 1e-5);        // (0.4 - 0.4) / 0.2
    EXPECT_NEAR(out[i + 2], 2.f, 1e-5);        // (1.0 - 0.5) / 0.25
  }
  // Per-channel mean of a normalised image equals (image mean - mean) / std.
  const Image r = ramp(8, 8, 1);
  AugmentConfig one;
  one.mean = {0.3f};
  one.stddev = {0.5f};
  Augmenter a1(one, 8, 8, 1);
  std::vector<float> o1(64);
  a1.apply(r.view(), rng, o1.data());
  double sum = 0, raw = 0;
  for (size_t i = 0; i < 64; ++i) sum += o1[i], raw += r.pixels[i] / 255.0;
  EXPECT_NEAR(sum / 64, (raw / 64 - 0.3) / 0.5, 1e-5);
}

TEST(Augment, SingleChannelReplicatesToThree) {
  const Image img = ramp(4, 4, 1);
  AugmentConfig cfg;
  cfg.out_channels = 3;
  cfg.mean = {0.5f};
  cfg.stddev = {0.5f};
  Augmenter aug(cfg, 4, 4, 1);
  EXPECT_EQ(aug.out_c(), 3);
  std::vector<float> out(48);
  util::Rng rng(0);
  aug.apply(img.view(), rng, out.data());
  for (int p = 0; p < 16; ++p) {
    const float want = (img.pixels[static_cast<size_t>(p)] / 255.f - 0.5f) / 0.5f;
    for (int k = 0; k < 3; ++k) EXPECT_FLOAT_EQ(out[static_cast<size_t>(p * 3 + k)], want);
  }
  cfg.out_channels = 2;
  Image rgb = ramp(4, 4, 3);
  EXPECT_THROW(Augmenter(cfg, 4, 4, 3), std::invalid_argument);
}

TEST(Augment, ResizeCenterCropOfSameSizeIsIdentityAndShapesHold) {
  const Image img = ramp(10, 14, 3);
  AugmentConfig cfg;
  cfg.crop = CropMode::ResizeCenterCrop;
  cfg.out_h = cfg.out_w = 10;
  cfg.resize_ratio = 1.0;  // short side 10 -> 10: the centre 10x10 window, no interpolation
  Augmenter aug(cfg, 0, 0, 3);
  std::vector<float> out(10 * 10 * 3);
  util::Rng rng(0);
  aug.apply(img.view(), rng, out.data());
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 10; ++x)
      for (int k = 0; k < 3; ++k)
        ASSERT_NEAR(px(out, 10, 3, y, x, k), img.pixels[static_cast<size_t>((y * 14 + x + 2) * 3 + k)] / 255.f, 1e-5);
  // Down-scaling keeps the output shape and the value range.
  const Image big = ramp(15, 15, 3);
  cfg.resize_ratio = 256.0 / 224.0;
  cfg.out_h = cfg.out_w = 7;
  Augmenter small(cfg, 0, 0, 3);
  std::vector<float> o(7 * 7 * 3);
  small.apply(big.view(), rng, o.data());
  for (float v : o) EXPECT_TRUE(v >= 0.f && v <= 1.f);
}

TEST(Augment, RandomResizedCropShapeRangeAndDeterminism) {
  const Image img = ramp(15, 15, 3);
  AugmentConfig cfg;
  cfg.crop = CropMode::RandomResizedCrop;
  cfg.out_h = cfg.out_w = 9;
  cfg.hflip = true;
  Augmenter aug(cfg, 0, 0, 3);
  std::vector<float> a(9 * 9 * 3), b(9 * 9 * 3);
  util::Rng r1(5), r2(5);
  aug.apply(img.view(), r1, a.data());
  aug.apply(img.view(), r2, b.data());
  EXPECT_EQ(a, b);
  for (float v : a) EXPECT_TRUE(v >= 0.f && v <= 1.f);
  // Scale (1, 1) and ratio (1, 1) on a square image: the whole image resized.
  cfg.scale_min = cfg.scale_max = 1.0;
  cfg.ratio_min = cfg.ratio_max = 1.0;
  cfg.hflip = false;
  cfg.out_h = cfg.out_w = 15;
  Augmenter whole(cfg, 0, 0, 3);
  std::vector<float> o(15 * 15 * 3);
  whole.apply(img.view(), r1, o.data());
  for (size_t i = 0; i < o.size(); ++i) ASSERT_NEAR(o[i], img.pixels[i] / 255.f, 1e-5);
}

TEST(Augment, WrongImageSizeIsAnError) {
  AugmentConfig cfg;
  cfg.crop = CropMode::PadCrop;
  Augmenter aug(cfg, 8, 8, 1);
  const Image img = ramp(9, 8, 1);
  std::vector<float> out(64);
  util::Rng rng(0);
  EXPECT_THROW(aug.apply(img.view(), rng, out.data()), DataError);
}

}  // namespace
}  // namespace iqnas::data
