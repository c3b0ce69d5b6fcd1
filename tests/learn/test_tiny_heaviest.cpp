// The tiny search space's heaviest network trained on Fashion-MNIST (Debian package) reaches at
// least 85% test accuracy within a short, fixed budget.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "nn/data/augment.h"
#include "nn/data/fashion_mnist.h"
#include "supernet/evaluate.h"
#include "supernet/trainer.h"
#include "tests/data_root.h"

namespace iqnas {
namespace {

const std::string kRoot = default_dataset_root("fashion-mnist");  // data folder or Debian package

TEST(Learning, TinyHeaviestNetworkReaches85PercentOnFashionMnist) {
  if (!std::filesystem::exists(kRoot + "/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST not found at " << kRoot
                 << " (apt-get install dataset-fashion-mnist, or scripts/get-data.sh fashion-mnist)";
  auto train = data::load_fashion_mnist(kRoot, "train");
  auto test = data::load_fashion_mnist(kRoot, "test");
  const SearchSpace s = find_space("tiny");
  Rng rng(0);
  Supernet net(s, rng);
  // Fixed budget: the first 30,000 training images, 2 epochs of batch 64 (936 steps), no augmentation.
  RunConfig cfg;
  cfg.epochs = 2, cfg.train_images = 30000, cfg.log_every = 1000;
  const data::AugmentConfig aug = data::eval_augment("fashion-mnist");
  const TrainSummary t = train_heaviest(net, train, aug, cfg, {"heaviest", "", ""});
  ASSERT_TRUE(t.finished);
  const ArchEvaluation e = evaluate_arch(net, heaviest_arch(s), train, test, aug, aug, 0, 2);
  std::printf("tiny heaviest, 30k x 2 epochs: test accuracy %.3f, %.0f training images/s\n", e.result.accuracy,
              t.images_per_second);
  EXPECT_EQ(e.result.images, 10000);
  EXPECT_GE(e.result.accuracy, 0.85);
}

}  // namespace
}  // namespace iqnas
