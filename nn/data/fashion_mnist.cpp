#include "nn/data/fashion_mnist.h"

#include <sys/stat.h>

#include "nn/data/idx_reader.h"

namespace iqnas::data {

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names = {"t-shirt/top", "trouser", "pullover", "dress", "coat",
                                                 "sandal",      "shirt",   "sneaker",  "bag",   "ankle boot"};
  return names;
}

std::shared_ptr<InMemoryDataset> load_idx_pair(const std::string& images_path,
                                               const std::string& labels_path,
                                               std::vector<std::string> classes, std::string name) {
  IdxArray images = read_idx(images_path, 3);
  IdxArray labels = read_idx(labels_path, 1);
  if (images.dims[0] != labels.dims[0])
    throw DataError(images_path + " holds " + std::to_string(images.dims[0]) + " images but " +
                    labels_path + " holds " + std::to_string(labels.dims[0]) + " labels");
  const int h = static_cast<int>(images.dims[1]), w = static_cast<int>(images.dims[2]);
  auto ds = std::make_shared<InMemoryDataset>(std::move(name), images_path, h, w, 1, std::move(classes));
  const int64_t n = images.dims[0];
  ds->reserve(n);
  const size_t bytes = static_cast<size_t>(h) * w;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t l = labels.bytes[static_cast<size_t>(i)];
    if (l >= ds->num_classes())
      throw DataError(labels_path + ": label " + std::to_string(l) + " of item " + std::to_string(i) +
                      " is out of range [0, " + std::to_string(ds->num_classes()) + ")");
    ds->add(images.bytes.data() + static_cast<size_t>(i) * bytes, l);
  }
  return ds;
}

static std::string pick(const std::string& root, const std::string& stem) {
  struct stat st;
  const std::string gz = root + "/" + stem + ".gz";
  if (stat(gz.c_str(), &st) == 0) return gz;
  const std::string plain = root + "/" + stem;
  if (stat(plain.c_str(), &st) == 0) return plain;
  throw DataError(gz + ": Fashion-MNIST file not found (nor " + stem +
                  " uncompressed); install the Debian package dataset-fashion-mnist or pass --root");
}

std::shared_ptr<InMemoryDataset> load_fashion_mnist(const std::string& root, const std::string& split) {
  std::string prefix;
  if (split == "train") prefix = "train";
  else if (split == "test") prefix = "t10k";
  else throw std::invalid_argument("load_fashion_mnist: split must be train or test, not '" + split + "'");
  const std::string images = pick(root, prefix + "-images-idx3-ubyte");
  const std::string labels = pick(root, prefix + "-labels-idx1-ubyte");
  return load_idx_pair(images, labels, fashion_mnist_classes(), "fashion-mnist/" + split);
}

}  // namespace iqnas::data
