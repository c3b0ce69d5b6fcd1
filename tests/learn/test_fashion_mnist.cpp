// A real learning test: a small depthwise-separable convnet trained on a Fashion-MNIST subset
// (from the Debian package dataset-fashion-mnist) reaches at least 80% test accuracy within a
// short, fixed budget.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "nn/data/augment.h"
#include "nn/data/fashion_mnist.h"
#include "nn/train/small_convnet.h"
#include "tests/data_root.h"

namespace iqnas {
namespace {

const std::string kRoot = default_dataset_root("fashion-mnist");  // data folder or Debian package

TEST(Learning, SmallConvNetReaches80PercentOnFashionMnist) {
  if (!std::filesystem::exists(kRoot + "/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST not found at " << kRoot
                 << " (apt-get install dataset-fashion-mnist, or scripts/get-data.sh fashion-mnist)";
  auto train_all = data::load_fashion_mnist(kRoot, "train");
  auto test_all = data::load_fashion_mnist(kRoot, "test");
  // Fixed budget: the first 30,000 training images, 2 epochs (about 940 steps of 64); evaluated on
  // all 10,000 test images.
  std::vector<int64_t> first(30000);
  for (int64_t i = 0; i < 30000; ++i) first[i] = i;
  auto train = std::make_shared<data::SubsetDataset>(train_all, first, "fashion-mnist-30k");

  Rng rng(1);
  SmallConvNet net(1, 10, 32, rng);
  TrainConfig cfg;
  cfg.epochs = 2, cfg.batch_size = 64, cfg.lr = 0.3f, cfg.warmup_epochs = 0.2, cfg.progress = false;
  data::AugmentConfig aug = data::eval_augment("fashion-mnist");  // normalisation only
  const TrainResult r = train_classifier(net, train, test_all, aug, aug, cfg);
  std::printf("fashion-mnist 30k x 2 epochs: train acc %.3f, test acc %.3f, %.0f img/s\n", r.train_accuracy,
              r.test.accuracy, r.images_per_second);
  EXPECT_EQ(r.test.images, 10000);
  EXPECT_GE(r.test.accuracy, 0.80);
}

}  // namespace
}  // namespace iqnas
