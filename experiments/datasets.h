// Data set selection shared by the subcommands: --dataset/--root, with each search space's
// default (tiny: Fashion-MNIST from the Debian package; cifar: the CIFAR-10 JPEG folders unpacked
// by scripts/prepare-cifar10.sh; paper: an ImageNet-style folder given with --root).
#pragma once
#include <memory>
#include <string>

#include "experiments/args.h"
#include "nn/data/augment.h"
#include "nn/data/dataset.h"

namespace iqnas::cli {

struct DataSets {
  std::string name;                                   // fashion-mnist, cifar10-bin, folder
  std::shared_ptr<const data::Dataset> train, heldout, test;  // train/heldout: the 80/20 split
  data::AugmentConfig train_aug, eval_aug;
};

// Reads --dataset, --root and --heldout (fraction, default 0.2); `default_dataset` applies when
// --dataset is absent.
DataSets open_datasets(const Args& a, const std::string& default_dataset, int image_size, bool augment = true);
std::string default_dataset_for_space(const std::string& space_name);
inline const char* kDataOptionsHelp =
    "  --dataset NAME      fashion-mnist, cifar10-bin (binary batches) or folder (root/train, root/test)\n"
    "  --root PATH         data root (default: /usr/share/datasets/fashion-mnist, or the unpacked\n"
    "                      CIFAR-10 cache of scripts/prepare-cifar10.sh for folder)\n"
    "  --heldout F         fraction of the training set held out for accuracy measurements (0.2)\n";
// --help of a command that reads a data set: prints `help`, the data options and the output flags
// (experiments/output.h) and returns true; false without --help.
bool print_data_command_help(const Args& a, const char* help);

}  // namespace iqnas::cli
