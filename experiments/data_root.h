// Where data sets live outside the repository (docs/data.md). The data folder is $IQNAS_DATA when
// set, else ${XDG_DATA_HOME:-~/.local/share}/iqnas, which scripts/get-data.sh fills by default:
//   cifar10/cifar-10-batches-bin/   cifar10/jpg/{train,test}/   fashion-mnist/   nasbench201/
#pragma once
#include <cstdlib>
#include <filesystem>
#include <string>

#include "nn/data/fashion_mnist.h"

namespace iqnas {

inline std::string user_data_root() {
  if (const char* d = std::getenv("IQNAS_DATA"); d && *d) return d;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/iqnas";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.local/share/iqnas";
}

// The default --root of `--dataset fashion-mnist|cifar10-bin|folder`: the data folder's copy when
// it is there, else the Debian package (Fashion-MNIST) or the cache that scripts/prepare-cifar10.sh
// unpacks the CIFAR-10 JPEG tree into.
inline std::string default_dataset_root(const std::string& dataset) {
  namespace fs = std::filesystem;
  const std::string data = user_data_root();
  if (dataset == "fashion-mnist") {
    const std::string mine = data + "/fashion-mnist";
    return fs::exists(mine + "/train-images-idx3-ubyte.gz") ? mine : data::kFashionMnistRoot;
  }
  if (dataset == "cifar10-bin") return data + "/cifar10/cifar-10-batches-bin";
  if (fs::is_directory(data + "/cifar10/jpg/train")) return data + "/cifar10/jpg";
  if (const char* d = std::getenv("IQNAS_CIFAR10_DIR"); d && *d) return d;
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  return std::string(xdg && *xdg ? xdg : std::string(home ? home : ".") + "/.cache") + "/iqnas/cifar10";
}

}  // namespace iqnas
