#include "nn/data/cifar_binary.h"

#include <cstdio>
#include <memory>

namespace iqnas::data {

const std::vector<std::string>& cifar10_classes() {
  static const std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                 "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}

namespace {
constexpr int kSide = 32, kPlane = kSide * kSide, kRecord = 1 + 3 * kPlane;
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
}  // namespace

void read_cifar10_batch(const std::string& path, InMemoryDataset& ds) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) throw DataError(path + ": missing or unreadable CIFAR-10 batch file (the binary release has data_batch_1..5.bin and test_batch.bin)");
  if (std::fseek(f.get(), 0, SEEK_END) != 0) throw DataError(path + ": cannot seek (not a regular file?)");
  const long size = std::ftell(f.get());
  std::rewind(f.get());
  if (size <= 0 || size % kRecord != 0)
    throw DataError(path + ": size " + std::to_string(size) + " bytes is not a whole number of " +
                    std::to_string(kRecord) + "-byte CIFAR-10 records (truncated or not a CIFAR-10 batch)");
  const long n = size / kRecord;
  ds.reserve(ds.size() + n);
  std::vector<uint8_t> rec(kRecord);
  for (long r = 0; r < n; ++r) {
    if (std::fread(rec.data(), 1, kRecord, f.get()) != static_cast<size_t>(kRecord))
      throw DataError(path + ": read error in record " + std::to_string(r));
    const int32_t label = rec[0];
    if (label >= ds.num_classes())
      throw DataError(path + ": label " + std::to_string(label) + " of record " + std::to_string(r) +
                      " is out of range [0, " + std::to_string(ds.num_classes()) + ")");
    uint8_t* dst = ds.append_uninitialised(label);
    const uint8_t* planes = rec.data() + 1;
    for (int p = 0; p < kPlane; ++p) {
      dst[3 * p + 0] = planes[p];
      dst[3 * p + 1] = planes[kPlane + p];
      dst[3 * p + 2] = planes[2 * kPlane + p];
    }
  }
}

std::shared_ptr<InMemoryDataset> load_cifar10_binary(const std::string& root, const std::string& split) {
  std::vector<std::string> files;
  if (split == "train") {
    for (int b = 1; b <= 5; ++b) files.push_back(root + "/data_batch_" + std::to_string(b) + ".bin");
  } else if (split == "test") {
    files.push_back(root + "/test_batch.bin");
  } else {
    throw std::invalid_argument("load_cifar10_binary: split must be train or test, not '" + split + "'");
  }
  auto ds = std::make_shared<InMemoryDataset>("cifar10/" + split, root, kSide, kSide, 3, cifar10_classes());
  for (const auto& p : files) read_cifar10_batch(p, *ds);
  return ds;
}

}  // namespace iqnas::data
