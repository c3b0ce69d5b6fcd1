// Loader throughput with training augmentation (pad-crop 4, flip, normalise), batch 128:
//   fashion_mnist        in-memory IDX data, 28x28x1
//   cifar10_cached       the CIFAR-10 JPEG tree decoded once into memory, 32x32x3
//   cifar10_jpeg         the same tree decoded per sample by the loader threads (the path an
//                        ImageNet-sized folder takes)
// Arg = loader threads. Items/s = images/s. CIFAR-10 comes from the data folder ($IQNAS_DATA,
// tests/data_root.h); the benchmark reports an error and skips when it is absent.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "nn/data/fashion_mnist.h"
#include "nn/data/image_folder.h"
#include "nn/data/loader.h"
#include "tests/data_root.h"

using namespace iqnas::data;

namespace {

std::string cifar10_root() {
  static const std::string tree = iqnas::cifar10_jpeg_tree();
  return tree.empty() ? tree : tree + "/train";
}

std::shared_ptr<const Dataset> dataset(const std::string& which) {
  static std::shared_ptr<const Dataset> fmnist, cached, jpeg;
  if (which == "fashion-mnist") {
    if (!fmnist && std::filesystem::exists(std::string(kFashionMnistRoot) + "/train-images-idx3-ubyte.gz"))
      fmnist = load_fashion_mnist(kFashionMnistRoot, "train");
    return fmnist;
  }
  const std::string root = cifar10_root();
  if (root.empty()) return nullptr;
  FolderOptions opt;
  if (which == "cifar10-cached") {
    opt.cache = "on";
    if (!cached) cached = load_image_folder(root, opt);
    return cached;
  }
  opt.cache = "off";
  if (!jpeg) jpeg = load_image_folder(root, opt);
  return jpeg;
}

void run(benchmark::State& state, const std::string& which, const std::string& stats) {
  auto data = dataset(which);
  if (!data) {
    state.SkipWithError((which + ": data not found (Fashion-MNIST package, or CIFAR-10 under $IQNAS_DATA: docs/data.md)").c_str());
    return;
  }
  LoaderOptions opt;
  opt.batch_size = 128;
  opt.threads = static_cast<int>(state.range(0));
  opt.seed = 1;
  opt.augment = train_augment(stats);
  if (data->fixed_h() == 0) opt.augment.out_h = opt.augment.out_w = 32;  // uncached CIFAR-10 JPEGs
  Loader loader(data, opt);
  int64_t images = 0;
  for (auto _ : state) {
    Batch b = loader.next();
    benchmark::DoNotOptimize(b.images[0]);
    images += b.n;
  }
  state.SetItemsProcessed(images);
  state.counters["images_per_s"] = benchmark::Counter(static_cast<double>(images), benchmark::Counter::kIsRate);
}

void BM_fashion_mnist(benchmark::State& s) { run(s, "fashion-mnist", "fashion-mnist"); }
void BM_cifar10_cached(benchmark::State& s) { run(s, "cifar10-cached", "cifar10"); }
void BM_cifar10_jpeg(benchmark::State& s) { run(s, "cifar10-jpeg", "cifar10"); }

}  // namespace

BENCHMARK(BM_fashion_mnist)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_cifar10_cached)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_cifar10_jpeg)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
