#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "nn/checkpoint.h"
#include "nn/data/fashion_mnist.h"
#include "nn/data/loader.h"
#include "nn/ops.h"
#include "supernet/evaluate.h"
#include "supernet/trainer.h"

namespace iqnas {
namespace {
namespace fs = std::filesystem;

constexpr const char* kFashion = "/usr/share/datasets/fashion-mnist";

std::shared_ptr<const data::Dataset> fashion_subset(int64_t n) {
  auto all = data::load_fashion_mnist(kFashion, "train");
  std::vector<int64_t> idx(n);
  for (int64_t i = 0; i < n; ++i) idx[i] = i;
  return std::make_shared<data::SubsetDataset>(all, idx, "subset");
}

std::map<std::string, std::vector<float>> state_of(Module& m) {
  std::map<std::string, std::vector<float>> s;
  for (auto& [n, p] : m.named_parameters()) s[n] = p.value().to_vector();
  for (auto& [n, b] : m.named_buffers()) s[n] = b->to_vector();
  return s;
}

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("iqnas-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(Trainer, ResumedRunReachesTheSameWeightsAsAnUninterruptedOne) {
  if (!fs::exists(std::string(kFashion) + "/train-images-idx3-ubyte.gz")) GTEST_SKIP() << "Fashion-MNIST not installed";
  const SearchSpace s = find_space("tiny");
  auto data = fashion_subset(80);
  const data::AugmentConfig aug = data::train_augment("fashion-mnist");
  RunConfig cfg;
  cfg.epochs = 2, cfg.batch_size = 16, cfg.checkpoint_every = 3, cfg.seed = 7, cfg.log_every = 100;  // 5 steps/epoch
  const fs::path dir = fresh_dir("resume");

  // Multipath supernet training with distillation: the most state (sampling, dropout, BN, momentum).
  auto make = [&](Rng& rng) { return std::make_unique<Supernet>(s, rng); };
  Rng r0(1);
  auto teacher_net = make(r0);
  auto teacher = extract_subnetwork(*teacher_net, heaviest_arch(s));

  Rng r1(2);
  auto straight = make(r1);
  const TrainSummary full = train_supernet(*straight, *teacher, data, aug, cfg, {"supernet", (dir / "a.safetensors").string(), ""});
  ASSERT_TRUE(full.finished);
  EXPECT_EQ(full.steps, 10);

  RunConfig killed = cfg;
  killed.stop_after_steps = 7;  // dies during step 8; the last checkpoint is at step 6
  Rng r2(2);
  auto first = make(r2);
  const TrainSummary part = train_supernet(*first, *teacher, data, aug, killed, {"supernet", (dir / "b.safetensors").string(), ""});
  EXPECT_FALSE(part.finished);
  Rng r3(99);  // a different initialisation: everything must come from the checkpoint
  auto second = make(r3);
  const TrainSummary rest = train_supernet(*second, *teacher, data, aug, cfg, {"supernet", (dir / "b.safetensors").string(), ""});
  EXPECT_EQ(rest.resumed_from, 6);
  EXPECT_TRUE(rest.finished);
  EXPECT_EQ(state_of(*second), state_of(*straight));
  fs::remove_all(dir);
}

TEST(Trainer, CheckpointOfAnotherStageIsRefused) {
  if (!fs::exists(std::string(kFashion) + "/train-images-idx3-ubyte.gz")) GTEST_SKIP() << "Fashion-MNIST not installed";
  const SearchSpace s = find_space("tiny");
  auto data = fashion_subset(32);
  RunConfig cfg;
  cfg.epochs = 1, cfg.batch_size = 16;
  const fs::path dir = fresh_dir("stage");
  Rng rng(1);
  Supernet net(s, rng);
  const std::string ckpt = (dir / "c.safetensors").string();
  train_heaviest(net, data, data::eval_augment("fashion-mnist"), cfg, {"heaviest", ckpt, ""});
  auto sub = extract_subnetwork(net, heaviest_arch(s));
  EXPECT_THROW(train_supernet(net, *sub, data, data::eval_augment("fashion-mnist"), cfg, {"supernet", ckpt, ""}),
               std::invalid_argument);
  fs::remove_all(dir);
}

TEST(Trainer, DistillationFromItselfAddsNothingAtTheHeaviestPath) {
  const SearchSpace s = find_space("tiny");
  Rng rng(3);
  Supernet net(s, rng);
  net.eval();
  auto teacher = extract_subnetwork(net, heaviest_arch(s));
  Tensor x = uniform({4, 28, 28, 1}, -1.f, 1.f, rng);
  std::vector<Var> sf;
  Var logits = net.forward(Var(x), PathSample::fixed(s, heaviest_arch(s), 4), &sf);
  std::vector<Var> tfv;
  const Tensor tl = teacher->forward(Var(x), &tfv).value();
  std::vector<Tensor> tf;
  for (auto& v : tfv) tf.push_back(v.value());
  RunConfig cfg;
  const std::vector<int32_t> labels{1, 2, 3, 4};
  const float kd = distillation_loss(logits, sf, tl, tf, labels, cfg).value().item();
  const float ce = cross_entropy(logits, labels, static_cast<float>(cfg.label_smoothing)).value().item();
  EXPECT_NEAR(kd, ce, 1e-5);
  EXPECT_EQ(sf.size(), s.stages.size());
  // A different path is penalised.
  std::vector<Var> sf2;
  Var l2 = net.forward(Var(x), PathSample::fixed(s, smallest_arch(s), 4), &sf2);
  EXPECT_GT(distillation_loss(l2, sf2, tl, tf, labels, cfg).value().item(),
            cross_entropy(l2, labels, static_cast<float>(cfg.label_smoothing)).value().item() + 1e-4);
}

TEST(Trainer, SupernetInitialisationFromTheHeaviestPath) {
  const SearchSpace s = find_space("tiny");
  Rng rng(4);
  Supernet net(s, rng);
  init_supernet_from_heaviest(net);
  std::map<std::string, Tensor> p;
  for (auto& [n, v] : net.block(2, 1).named_parameters()) p[n] = v.value();
  const Tensor k5 = p["dw_k5.weight"], k3 = p["dw_k3.weight"];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_EQ(k3.at({i, j, 5}), k5.at({i + 1, j + 1, 5}));
  EXPECT_EQ(p["project_bn_e2_se0.weight"].to_vector(), p["project_bn_e4_se1.weight"].to_vector());
}

TEST(Trainer, BnRecalibrationAveragesBatchStatistics) {
  if (!fs::exists(std::string(kFashion) + "/train-images-idx3-ubyte.gz")) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto data = fashion_subset(256);
  const data::AugmentConfig aug = data::eval_augment("fashion-mnist");
  BatchNorm bn(1);
  recalibrate_bn(bn, data, aug, 3, 64, 5);
  // The same batches, read independently.
  data::LoaderOptions lo;
  lo.batch_size = 64, lo.shuffle = true, lo.drop_last = true, lo.seed = 5, lo.augment = aug;
  data::Loader loader(data, lo);
  double mean = 0, var = 0;
  for (int k = 0; k < 3; ++k) {
    const data::Batch b = loader.next();
    const size_t n = b.image_floats();
    double m = 0, m2 = 0;
    for (size_t i = 0; i < n; ++i) m += b.images[i], m2 += double(b.images[i]) * b.images[i];
    m /= n;
    mean += m / 3, var += (m2 - n * m * m) / (n - 1) / 3;
  }
  EXPECT_NEAR(bn.running_mean.item(), mean, 1e-4);
  EXPECT_NEAR(bn.running_var.item(), var, 1e-3);
  EXPECT_FLOAT_EQ(bn.momentum, 0.1f);
}

TEST(RunConfig, ParsesAndRejectsWithTheField) {
  const RunConfig c = parse_run_config(R"({"epochs": 4, "lr": 0.05, "sampling": "single"})", "run.json");
  EXPECT_EQ(c.epochs, 4);
  EXPECT_DOUBLE_EQ(c.lr, 0.05);
  EXPECT_EQ(c.sampling, "single");
  EXPECT_EQ(parse_run_config(run_config_to_json(c), "x").epochs, 4);
  auto message = [](const std::string& text) {
    try {
      parse_run_config(text, "run.json");
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(R"({"epoch": 4})").find("unknown field 'epoch'"), std::string::npos);
  EXPECT_NE(message(R"({"epochs": "4"})").find("'epochs'"), std::string::npos);
  EXPECT_NE(message(R"({"lr": -1})").find("lr must be > 0"), std::string::npos);
  EXPECT_NE(message(R"({"sampling": "random"})").find("sampling"), std::string::npos);
  EXPECT_NE(message("{").find("run.json"), std::string::npos);
}

}  // namespace
}  // namespace iqnas
