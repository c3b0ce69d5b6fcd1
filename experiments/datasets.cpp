#include "experiments/datasets.h"

#include <cstdio>
#include <filesystem>

#include "experiments/data_root.h"
#include "experiments/output.h"
#include "nn/data/cifar_binary.h"
#include "nn/data/fashion_mnist.h"
#include "nn/data/image_folder.h"
#include "nn/data/split.h"

namespace iqnas::cli {

std::string default_dataset_for_space(const std::string& space) {
  if (space == "tiny") return "fashion-mnist";
  return "folder";
}

DataSets open_datasets(const Args& a, const std::string& default_dataset, int image_size, bool augment) {
  DataSets d;
  d.name = a.str("dataset", default_dataset);
  std::shared_ptr<data::Dataset> train, test;
  std::string aug = d.name;
  if (d.name == "fashion-mnist") {
    const std::string root = a.str("root", default_dataset_root("fashion-mnist"));
    train = data::load_fashion_mnist(root, "train");
    test = data::load_fashion_mnist(root, "test");
  } else if (d.name == "cifar10-bin") {
    const std::string root = a.str("root", default_dataset_root("cifar10-bin"));
    train = data::load_cifar10_binary(root, "train");
    test = data::load_cifar10_binary(root, "test");
    aug = "cifar10";
  } else if (d.name == "folder") {
    const std::string root = a.str("root", default_dataset_root("folder"));
    if (!std::filesystem::exists(root + "/train"))
      throw UsageError("no image folder at " + root + "/train (for CIFAR-10 run scripts/get-data.sh cifar10, or pass --root; docs/data.md)");
    train = data::load_image_folder(root + "/train");
    test = data::load_image_folder(root + "/test");
    aug = train->fixed_h() == 32 ? "cifar10" : "imagenet";
  } else {
    throw UsageError("--dataset must be fashion-mnist, cifar10-bin or folder, got '" + d.name + "'");
  }
  const double heldout = a.num("heldout", 0.2);
  if (!(heldout > 0 && heldout < 1)) throw UsageError("--heldout must be in (0, 1)");
  const data::SplitDatasets split = data::split_dataset(train, heldout, 0);
  d.train = split.train, d.heldout = split.heldout, d.test = test;
  d.train_aug = augment ? data::train_augment(aug, image_size) : data::eval_augment(aug, image_size);
  d.eval_aug = data::eval_augment(aug, image_size);
  // Images that keep their size (no resize) must all have one size, and the space's: the MACs and
  // latency tables of a search are computed for the space's image_size.
  auto hw = [](const data::Dataset& x) { return std::to_string(x.fixed_h()) + "x" + std::to_string(x.fixed_w()); };
  if (train->fixed_h() > 0 && test->fixed_h() > 0 && hw(*train) != hw(*test))
    throw data::DataError(test->source() + ": its images are " + hw(*test) + ", those of the training split (" +
                          train->source() + ") " + hw(*train));
  if (image_size > 0 && d.eval_aug.out_h == 0 && train->fixed_h() > 0 &&
      (train->fixed_h() != image_size || train->fixed_w() != image_size))
    throw data::DataError(train->source() + ": its images are " + hw(*train) + ", but the search space expects " +
                          std::to_string(image_size) + "x" + std::to_string(image_size) + " (its image_size)");
  return d;
}

bool print_data_command_help(const Args& a, const char* help) {
  if (a.help()) std::printf("%s%s%s", help, kDataOptionsHelp, Output::kHelp);
  return a.help();
}

}  // namespace iqnas::cli
