// A few supernet training steps on CUDA against the same steps on the CPU (label gpu; skipped
// without a device).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "nn/data/fashion_mnist.h"
#include "supernet/trainer.h"

namespace iqnas {
namespace {

constexpr const char* kFashion = "/usr/share/datasets/fashion-mnist";

TEST(SupernetGpu, MultipathStepsMatchTheCpu) {
  if (!cuda::available()) GTEST_SKIP() << "no CUDA device";
  if (!std::filesystem::exists(std::string(kFashion) + "/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST not installed";
  auto all = data::load_fashion_mnist(kFashion, "train");
  std::vector<int64_t> idx(64);
  for (int64_t i = 0; i < 64; ++i) idx[i] = i;
  auto train = std::make_shared<data::SubsetDataset>(all, idx, "first-64");
  const SearchSpace s = find_space("tiny");
  RunConfig cfg;
  cfg.epochs = 1, cfg.batch_size = 16, cfg.log_every = 100, cfg.lr = 0.01;  // 4 steps
  std::map<std::string, std::vector<float>> state[2];
  for (const char* device : {"cpu", "cuda"}) {
    RunConfig c = cfg;
    c.device = device;
    Rng rng(1);
    Supernet net(s, rng), teacher_net(s, rng);
    auto teacher = extract_subnetwork(teacher_net, heaviest_arch(s));
    const TrainSummary t = train_supernet(net, *teacher, train, data::eval_augment("fashion-mnist"), c, {"supernet", "", ""});
    EXPECT_TRUE(t.finished);
    EXPECT_EQ(net.parameters().front().device(), parse_device(device));
    auto& st = state[c.device == "cuda"];
    for (auto& [n, p] : net.named_parameters()) st[n] = p.value().to_vector();
    for (auto& [n, b] : net.named_buffers()) st[n] = b->to_vector();
  }
  ASSERT_EQ(state[0].size(), state[1].size());
  for (const auto& [name, v] : state[0]) {
    const auto& g = state[1].at(name);
    for (size_t i = 0; i < v.size(); ++i) ASSERT_NEAR(v[i], g[i], 1e-3 * (1 + std::fabs(v[i]))) << name << "[" << i << "]";
  }
}

}  // namespace
}  // namespace iqnas
