// The loader: complete epochs, reproducible order and augmentation whatever the thread count,
// different epochs, partial last batches, restart, errors from workers.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "nn/data/loader.h"
#include "test_util.h"

namespace iqnas::data {
namespace {

std::shared_ptr<InMemoryDataset> toy(int n, int side = 6, int channels = 3) {
  std::vector<std::string> classes = {"a", "b", "c", "d"};
  auto ds = std::make_shared<InMemoryDataset>("toy", "toy", side, side, channels, classes);
  std::vector<uint8_t> img(static_cast<size_t>(side) * side * channels);
  for (int i = 0; i < n; ++i) {
    for (size_t p = 0; p < img.size(); ++p) img[p] = static_cast<uint8_t>((i * 13 + p * 5) % 256);
    ds->add(img.data(), i % 4);
  }
  return ds;
}

LoaderOptions train_options(int threads) {
  LoaderOptions o;
  o.batch_size = 8;
  o.threads = threads;
  o.seed = 7;
  o.augment.crop = CropMode::PadCrop;
  o.augment.padding = 2;
  o.augment.hflip = true;
  o.augment.mean = {0.5f};
  o.augment.stddev = {0.25f};
  return o;
}

struct Epoch {
  std::vector<int64_t> indices;
  std::vector<int32_t> labels;
  std::vector<float> images;
};

Epoch read_epoch(Loader& loader) {
  Epoch e;
  for (int64_t s = 0; s < loader.batches_per_epoch(); ++s) {
    Batch b = loader.next();
    EXPECT_EQ(b.step, s);
    e.indices.insert(e.indices.end(), b.indices, b.indices + b.n);
    e.labels.insert(e.labels.end(), b.labels, b.labels + b.n);
    e.images.insert(e.images.end(), b.images, b.images + b.image_floats());
  }
  return e;
}

TEST(Loader, EveryImageOncePerEpochWithPartialLastBatch) {
  auto ds = toy(37);
  Loader loader(ds, train_options(2));
  EXPECT_EQ(loader.batches_per_epoch(), 5);
  std::multiset<int64_t> seen;
  for (int s = 0; s < 5; ++s) {
    Batch b = loader.next();
    EXPECT_EQ(b.n, s < 4 ? 8 : 5);
    EXPECT_EQ(b.h, 6);
    EXPECT_EQ(b.c, 3);
    for (int64_t j = 0; j < b.n; ++j) {
      seen.insert(b.indices[j]);
      EXPECT_EQ(b.labels[j], ds->label(b.indices[j]));
    }
  }
  std::vector<int64_t> all(37);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(std::vector<int64_t>(seen.begin(), seen.end()), all);
  Batch next_epoch = loader.next();  // the stream continues into epoch 1
  EXPECT_EQ(next_epoch.epoch, 1);
  EXPECT_EQ(next_epoch.step, 0);
}

TEST(Loader, SameSeedAndEpochSameBatchesWhateverTheThreads) {
  auto ds = toy(50);
  Loader one(ds, train_options(1));
  Loader three(ds, train_options(3));
  auto opts = train_options(2);
  opts.prefetch = 1;
  Loader tight(ds, opts);
  for (int epoch = 0; epoch < 2; ++epoch) {
    const Epoch a = read_epoch(one), b = read_epoch(three), c = read_epoch(tight);
    EXPECT_EQ(a.indices, b.indices);
    EXPECT_EQ(a.images, b.images);
    EXPECT_EQ(a.labels, b.labels);
    EXPECT_EQ(a.indices, c.indices);
    EXPECT_EQ(a.images, c.images);
  }
}

TEST(Loader, EpochsDifferAndRestartReproduces) {
  auto ds = toy(40);
  Loader loader(ds, train_options(2));
  const Epoch e0 = read_epoch(loader), e1 = read_epoch(loader);
  EXPECT_NE(e0.indices, e1.indices);
  loader.start(1);
  const Epoch again = read_epoch(loader);
  EXPECT_EQ(again.indices, e1.indices);
  EXPECT_EQ(again.images, e1.images);
  EXPECT_EQ(loader.epoch_order(1), e1.indices);
  // A different seed gives a different order.
  auto opts = train_options(2);
  opts.seed = 8;
  Loader other(ds, opts);
  EXPECT_NE(read_epoch(other).indices, e0.indices);
}

TEST(Loader, NoShuffleKeepsOrderAndDropLast) {
  auto ds = toy(21);
  LoaderOptions o;
  o.batch_size = 5;
  o.shuffle = false;
  o.drop_last = true;
  Loader loader(ds, o);
  EXPECT_EQ(loader.batches_per_epoch(), 4);
  const Epoch e = read_epoch(loader);
  ASSERT_EQ(e.indices.size(), 20u);
  for (int64_t i = 0; i < 20; ++i) EXPECT_EQ(e.indices[static_cast<size_t>(i)], i);
  // No augmentation: the pixels are the data set's, scaled to [0, 1].
  EXPECT_FLOAT_EQ(e.images[1], ds->pixels()[1] / 255.f);
}

// A data set whose image 5 cannot be read.
class Broken : public Dataset {
 public:
  explicit Broken(std::shared_ptr<InMemoryDataset> base) : base_(std::move(base)) {}
  std::string name() const override { return "broken"; }
  std::string source() const override { return "broken"; }
  int64_t size() const override { return base_->size(); }
  int32_t label(int64_t i) const override { return base_->label(i); }
  const std::vector<std::string>& class_names() const override { return base_->class_names(); }
  ImageView image(int64_t i, Image& s) const override {
    if (i == 5) throw DataError("/data/broken/5.jpg: corrupt JPEG");
    return base_->image(i, s);
  }
  int fixed_h() const override { return base_->fixed_h(); }
  int fixed_w() const override { return base_->fixed_w(); }
  int channels() const override { return base_->channels(); }

 private:
  std::shared_ptr<InMemoryDataset> base_;
};

TEST(Loader, ThreadCountIsBounded) {
  auto ds = toy(10);
  for (int threads : {0, -1, kMaxLoaderThreads + 1, 1410065408}) {
    LoaderOptions o;
    o.threads = threads;
    iqnas::data::testing::expect_error([&] { Loader l(ds, o); }, {"thread count must be in [1, 256]"});
  }
}

TEST(Loader, WorkerErrorReachesTheConsumerWithTheFileName) {
  auto ds = std::make_shared<Broken>(toy(16));
  LoaderOptions o;
  o.batch_size = 4;
  o.shuffle = false;
  o.threads = 2;
  Loader loader(ds, o);
  EXPECT_NO_THROW(loader.next());
  iqnas::data::testing::expect_error([&] { loader.next(); }, {"/data/broken/5.jpg"});
  EXPECT_NO_THROW(loader.next());  // later batches are unaffected
}

TEST(Loader, GreyToThreeChannels) {
  auto ds = toy(10, 5, 1);
  LoaderOptions o;
  o.batch_size = 10;
  o.shuffle = false;
  o.augment.out_channels = 3;
  Loader loader(ds, o);
  Batch b = loader.next();
  ASSERT_EQ(b.c, 3);
  EXPECT_FLOAT_EQ(b.images[0], b.images[2]);
  EXPECT_FLOAT_EQ(b.images[3], ds->pixels()[1] / 255.f);
}

TEST(Loader, BadOptionsAreRejected) {
  auto ds = toy(4);
  LoaderOptions o;
  o.batch_size = 0;
  EXPECT_THROW(Loader(ds, o), std::invalid_argument);
  o.batch_size = 8;
  o.drop_last = true;
  EXPECT_THROW(Loader(ds, o), std::invalid_argument);
}

}  // namespace
}  // namespace iqnas::data
