// CIFAR-10 in its official binary release: data_batch_1..5.bin (train) and test_batch.bin, each
// record 1 label byte then 3072 pixel bytes as three 32x32 planes (R, G, B), row-major. Decoded to
// 32x32x3 HWC in memory.
#pragma once
#include <memory>
#include <string>

#include "nn/data/dataset.h"

namespace iqnas::data {

const std::vector<std::string>& cifar10_classes();

// Reads one batch file (any positive number of whole records) into `ds`.
void read_cifar10_batch(const std::string& path, InMemoryDataset& ds);

// split "train": the five data batches, "test": test_batch.bin. A missing batch is an error.
std::shared_ptr<InMemoryDataset> load_cifar10_binary(const std::string& root, const std::string& split);

}  // namespace iqnas::data
