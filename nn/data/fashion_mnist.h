// Fashion-MNIST (Xiao et al. 2017) from its IDX files: {train,t10k}-{images-idx3,labels-idx1}-ubyte
// with or without .gz. Default root: the Debian package dataset-fashion-mnist.
#pragma once
#include <memory>
#include <string>

#include "nn/data/dataset.h"

namespace iqnas::data {

inline const char* kFashionMnistRoot = "/usr/share/datasets/fashion-mnist";

// The ten class names, label order.
const std::vector<std::string>& fashion_mnist_classes();

// split: "train" (60,000 images) or "test" (10,000); 28x28x1 uint8 in memory.
std::shared_ptr<InMemoryDataset> load_fashion_mnist(const std::string& root, const std::string& split);

// Generic MNIST-style pair of IDX files (images rank 3, labels rank 1) with `classes` labels.
std::shared_ptr<InMemoryDataset> load_idx_pair(const std::string& images_path,
                                               const std::string& labels_path,
                                               std::vector<std::string> classes, std::string name);

}  // namespace iqnas::data
