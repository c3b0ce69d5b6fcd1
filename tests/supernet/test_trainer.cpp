#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "nn/checkpoint.h"
#include "nn/data/fashion_mnist.h"
#include "nn/data/loader.h"
#include "nn/ops.h"
#include "supernet/evaluate.h"
#include "supernet/trainer.h"
#include "supernet/weights.h"

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

// The `step` column of a training log.
std::vector<int> logged_steps(const fs::path& csv) {
  std::ifstream f(csv);
  std::string line;
  std::vector<int> steps;
  std::getline(f, line);  // header
  while (std::getline(f, line)) {
    const size_t a = line.find(','), b = line.find(',', a + 1);
    steps.push_back(std::stoi(line.substr(b + 1)));
  }
  return steps;
}

TEST(Trainer, ResumedRunReachesTheSameWeightsAsAnUninterruptedOne) {
  if (!fs::exists(std::string(kFashion) + "/train-images-idx3-ubyte.gz")) GTEST_SKIP() << "Fashion-MNIST not installed";
  const SearchSpace s = find_space("tiny");
  auto data = fashion_subset(80);
  const data::AugmentConfig aug = data::train_augment("fashion-mnist");
  RunConfig cfg;
  cfg.epochs = 2, cfg.batch_size = 16, cfg.checkpoint_every = 3, cfg.seed = 7, cfg.log_every = 1;  // 5 steps/epoch
  const fs::path dir = fresh_dir("resume");

  // Multipath supernet training with distillation: the most state (sampling, dropout, BN, momentum).
  auto make = [&](Rng& rng) { return std::make_unique<Supernet>(s, rng); };
  Rng r0(1);
  auto teacher_net = make(r0);
  auto teacher = extract_subnetwork(*teacher_net, heaviest_arch(s));

  Rng r1(2);
  auto straight = make(r1);
  const TrainSummary full = train_supernet(*straight, *teacher, data, aug, cfg,
                                            {"supernet", (dir / "a.safetensors").string(), (dir / "a.csv").string()});
  ASSERT_TRUE(full.finished);
  EXPECT_EQ(full.steps, 10);

  RunConfig killed = cfg;
  killed.stop_after_steps = 7;  // dies during step 8; the last checkpoint is at step 6
  Rng r2(2);
  auto first = make(r2);
  const TrainSummary part = train_supernet(*first, *teacher, data, aug, killed,
                                            {"supernet", (dir / "b.safetensors").string(), (dir / "b.csv").string()});
  EXPECT_FALSE(part.finished);
  Rng r3(99);  // a different initialisation: everything must come from the checkpoint
  auto second = make(r3);
  const TrainSummary rest = train_supernet(*second, *teacher, data, aug, cfg,
                                            {"supernet", (dir / "b.safetensors").string(), (dir / "b.csv").string()});
  EXPECT_EQ(rest.resumed_from, 6);
  EXPECT_TRUE(rest.finished);
  EXPECT_EQ(state_of(*second), state_of(*straight));
  // The log holds every step once: step 7, logged before the interruption, is logged again only by
  // the resumed run.
  EXPECT_EQ(logged_steps(dir / "b.csv"), logged_steps(dir / "a.csv"));
  EXPECT_EQ(logged_steps(dir / "a.csv"), (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  // The EMA (on by default) is resumed exactly too, and is not the raw weights.
  Rng r4(5), r5(6);
  auto ema_a = make(r4), ema_b = make(r5);
  load_weights((dir / "a.safetensors").string(), *ema_a, WeightSource::Ema);
  load_weights((dir / "b.safetensors").string(), *ema_b, WeightSource::Ema);
  EXPECT_EQ(state_of(*ema_a), state_of(*ema_b));
  EXPECT_NE(state_of(*ema_a), state_of(*straight));
  fs::remove_all(dir);
}

TEST(Trainer, EmaAveragesWeightsAndStatisticsEveryStep) {
  if (!fs::exists(std::string(kFashion) + "/train-images-idx3-ubyte.gz")) GTEST_SKIP() << "Fashion-MNIST not installed";
  const SearchSpace s = find_space("tiny");
  auto data = fashion_subset(48);
  RunConfig cfg;
  cfg.epochs = 1, cfg.batch_size = 16, cfg.ema_decay = 0.5, cfg.log_every = 100;  // 3 steps
  const fs::path dir = fresh_dir("ema");
  const std::string ckpt = (dir / "h.safetensors").string();
  Rng rng(1);
  Supernet net(s, rng);
  const auto start = state_of(net);
  // The raw weights after every step, from runs stopped after 1, 2 and 3 steps.
  std::vector<std::map<std::string, std::vector<float>>> after;
  for (int k = 1; k <= 3; ++k) {
    Rng r(1);
    Supernet n(s, r);
    RunConfig c = cfg;
    c.stop_after_steps = k;
    train_heaviest(n, data, data::eval_augment("fashion-mnist"), c, {"heaviest", "", ""});
    after.push_back(state_of(n));
  }
  train_heaviest(net, data, data::eval_augment("fashion-mnist"), cfg, {"heaviest", ckpt, ""});
  Rng r2(9);
  Supernet ema(s, r2);
  load_weights(ckpt, ema, WeightSource::Ema);
  const auto got = state_of(ema);
  int checked = 0;
  // With the decay's warm-up d_t = min(0.5, (1 + t) / (10 + t)): 0.1, 2/11, 0.25 (buffers such as
  // running_mean included).
  const double d[3] = {0.1, 2.0 / 11.0, 0.25};
  for (const auto& [name, v0] : start)
    for (size_t i = 0; i < v0.size(); i += 7) {
      double want = v0[i];
      for (int t = 0; t < 3; ++t) want = d[t] * want + (1 - d[t]) * after[t].at(name)[i];
      ASSERT_NEAR(got.at(name)[i], want, 1e-5 * (1 + std::fabs(want))) << name << "[" << i << "]";
      ++checked;
    }
  EXPECT_GT(checked, 100);
  // Without an EMA, asking for it names the file.
  RunConfig none = cfg;
  none.ema_decay = 0;
  const std::string raw_only = (dir / "r.safetensors").string();
  Rng r3(1);
  Supernet plain(s, r3);
  train_heaviest(plain, data, data::eval_augment("fashion-mnist"), none, {"heaviest", raw_only, ""});
  try {
    load_weights(raw_only, ema, WeightSource::Ema);
    ADD_FAILURE() << "no error";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find(raw_only), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no EMA weights"), std::string::npos) << e.what();
  }
  load_weights(raw_only, ema, WeightSource::Raw);
  EXPECT_EQ(state_of(ema), state_of(plain));
  EXPECT_EQ(parse_weight_source("raw"), WeightSource::Raw);
  EXPECT_THROW(parse_weight_source("average"), std::invalid_argument);
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

// With multipath sampling each rank runs the batch norms of its own samples' branches, which
// synchronised batch norm cannot pair up: refused before any training.
TEST(Trainer, SynchronisedBatchNormNeedsSinglePathSampling) {
  const SearchSpace s = find_space("tiny");
  Rng rng(1);
  Supernet net(s, rng);
  auto sub = extract_subnetwork(net, heaviest_arch(s));
  const RunConfig cfg = parse_run_config(R"({"bn_sync": true})", "r");
  ASSERT_TRUE(cfg.bn_sync);
  try {
    train_supernet(net, *sub, nullptr, data::eval_augment("fashion-mnist"), cfg, {"supernet", "", ""});
    ADD_FAILURE() << "bn_sync with multipath sampling was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("\"sampling\": \"single\""), std::string::npos) << e.what();
  }
}

TEST(Trainer, ResumeRefusesACorruptStepOrOtherSettings) {
  if (!fs::exists(std::string(kFashion) + "/train-images-idx3-ubyte.gz")) GTEST_SKIP() << "Fashion-MNIST not installed";
  const SearchSpace s = find_space("tiny");
  auto data = fashion_subset(32);
  RunConfig cfg;
  cfg.epochs = 1, cfg.batch_size = 16, cfg.checkpoint_every = 1, cfg.stop_after_steps = 1;  // step 1 of 2
  const fs::path dir = fresh_dir("resume-check");
  const std::string ckpt = (dir / "h.safetensors").string();
  const auto aug = data::eval_augment("fashion-mnist");
  Rng rng(1);
  Supernet net(s, rng);
  train_heaviest(net, data, aug, cfg, {"heaviest", ckpt, ""});
  const SafetensorsFile good = load_safetensors(ckpt);
  auto message = [&](const RunConfig& c) {
    try {
      train_heaviest(net, data, aug, c, {"heaviest", ckpt, ""});
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  auto with_step = [&](const std::string& step) {
    Metadata m = good.metadata;
    m["run.step"] = step;
    save_safetensors(ckpt, good.tensors, m);
  };
  for (const char* step : {"abc", "999999", "-3", ""}) {
    with_step(step);
    const std::string msg = message(cfg);
    EXPECT_NE(msg.find(ckpt + ": metadata 'run.step'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[0, 2]"), std::string::npos) << msg;
  }
  with_step("1");
  RunConfig other = cfg;
  other.lr = 0.0123;
  std::string msg = message(other);
  EXPECT_NE(msg.find(ckpt), std::string::npos) << msg;
  EXPECT_NE(msg.find("lr 0.1 -> 0.0123"), std::string::npos) << msg;
  other = cfg;
  other.batch_size = 8;
  EXPECT_NE(message(other).find("batch_size 16 -> 8"), std::string::npos);
  other = cfg;
  other.loader_threads = 3, other.log_every = 7;  // allowed to change on a resume
  EXPECT_EQ(message(other), "no error");
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
  EXPECT_EQ(sf.size(), s.stages.size() + 3);
  // A different path is penalised.
  std::vector<Var> sf2;
  Var l2 = net.forward(Var(x), PathSample::fixed(s, smallest_arch(s), 4), &sf2);
  EXPECT_GT(distillation_loss(l2, sf2, tl, tf, labels, cfg).value().item(),
            cross_entropy(l2, labels, static_cast<float>(cfg.label_smoothing)).value().item() + 1e-4);
}

// Sum over elements of (a - b)^2 / count, computed in double.
double mse_by_hand(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector(), y = b.to_vector();
  double s = 0;
  for (size_t i = 0; i < x.size(); ++i) s += std::pow(double(x[i]) - y[i], 2);
  return s / double(x.size());
}

TEST(Trainer, DistillationOverTheEightMapsOfTheReference) {
  // Student: the smallest path of a supernet; teacher: another network's heaviest path. The loss is
  // CE + sum over stem, stage 0, the 5 searched stages and stage 6 of MSE / divisor + KL.
  const SearchSpace s = find_space("tiny");
  Rng rng(11);
  Supernet student(s, rng), other(s, rng);
  student.eval(), other.eval();
  auto teacher = extract_subnetwork(other, heaviest_arch(s));
  const int64_t N = 3;
  Tensor x = uniform({N, 28, 28, 1}, -1.f, 1.f, rng);
  std::vector<Var> sf, tfv;
  Var logits = student.forward(Var(x), PathSample::fixed(s, smallest_arch(s), N), &sf);
  const Tensor tl = teacher->forward(Var(x), &tfv).value();
  ASSERT_EQ(sf.size(), 8u);
  ASSERT_EQ(tfv.size(), 8u);
  // Shapes: stem and stage 0 at 28x28x8, the stages' widths, stage 6 at 4x4x128.
  EXPECT_EQ(sf[0].shape(), (Shape{N, 28, 28, 8}));
  EXPECT_EQ(sf[1].shape(), (Shape{N, 28, 28, 8}));
  for (size_t st = 0; st < 5; ++st) EXPECT_EQ(sf[2 + st].dim(3), s.stages[st].out);
  EXPECT_EQ(sf[7].shape(), (Shape{N, 4, 4, 128}));
  std::vector<Tensor> tf;
  for (auto& v : tfv) tf.push_back(v.value());
  RunConfig cfg;
  cfg.kd_feature_divisor = 7;
  cfg.kd_kl_weight = 2;
  const std::vector<int32_t> labels{0, 4, 9};
  const double ce = cross_entropy(logits, labels, static_cast<float>(cfg.label_smoothing)).value().item();
  const double kl = kl_div(logits, Var(tl)).value().item();
  double feat = 0;
  for (size_t i = 0; i < 8; ++i) feat += mse_by_hand(sf[i].value(), tf[i]) / 7;
  EXPECT_GT(feat, 1e-3);
  EXPECT_NEAR(distillation_loss(logits, sf, tl, tf, labels, cfg).value().item(), ce + feat + 2 * kl, 1e-4 * (ce + feat + kl));
  // The reference's fine-tuning loss: CE without smoothing + 2 KL on logits only.
  cfg.kd_features = false;
  cfg.label_smoothing = 0;
  const double ce0 = cross_entropy(logits, labels).value().item();
  EXPECT_NEAR(distillation_loss(logits, sf, tl, tf, labels, cfg).value().item(), ce0 + 2 * kl, 1e-5 * (ce0 + kl));
}

// Distinct values everywhere first, so that a copy that did not happen cannot pass by chance
// (fresh BNs all hold gamma 1, beta 0).
void randomise(Module& m, Rng& rng) {
  for (auto& [n, v] : m.named_parameters()) v.value().copy_(uniform(v.value().shape(), 0.5f, 1.5f, rng));
  for (auto& [n, t] : m.named_buffers()) t->copy_(uniform(t->shape(), 0.5f, 1.5f, rng));
}

void expect_initialised_from_heaviest(const SearchSpace& s, const std::string& top, const std::string& other) {
  Rng rng(4);
  Supernet net(s, rng);
  randomise(net, rng);
  std::map<std::string, std::vector<float>> before;
  for (auto& [n, v] : net.block(2, 1).named_parameters()) before[n] = v.value().to_vector();
  init_supernet_from_heaviest(net);
  std::map<std::string, Tensor> p;
  for (auto& [n, v] : net.block(2, 1).named_parameters()) p[n] = v.value();
  std::map<std::string, Tensor> buf;
  for (auto& [n, t] : net.block(2, 1).named_buffers()) buf[n] = *t;
  const Tensor k5 = p["dw_k5.weight"], k3 = p["dw_k3.weight"];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_EQ(k3.at({i, j, 5}), k5.at({i + 1, j + 1, 5}));
  EXPECT_EQ(p["dw_k3_bn.bias"].to_vector(), p["dw_k5_bn.bias"].to_vector());
  EXPECT_EQ(buf["dw_k3_bn.running_var"].to_vector(), buf["dw_k5_bn.running_var"].to_vector());
  for (const char* part : {".weight", ".bias"})
    EXPECT_EQ(p[other + part].to_vector(), p[top + part].to_vector()) << other << part;
  for (const char* part : {".running_mean", ".running_var"})
    EXPECT_EQ(buf[other + part].to_vector(), buf[top + part].to_vector()) << other << part;
  // The source weights themselves are unchanged.
  EXPECT_EQ(p["dw_k5.weight"].to_vector(), before["dw_k5.weight"]);
  EXPECT_EQ(p[top + ".weight"].to_vector(), before[top + ".weight"]);
  EXPECT_NE(p[other + ".weight"].to_vector(), before[other + ".weight"]);
}

TEST(Trainer, SupernetInitialisationFromTheHeaviestPath) {
  expect_initialised_from_heaviest(find_space("tiny"), "project_bn_e4_se1", "project_bn_e2_se0");
}

TEST(Trainer, SupernetInitialisationWithoutSqueezeExcitation) {
  // A space whose only SE choice is "off": the heaviest pair is (largest expansion, no SE).
  SearchSpace s = find_space("tiny");
  s.se = {false};
  expect_initialised_from_heaviest(s, "project_bn_e4_se0", "project_bn_e2_se0");
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

TEST(RunConfig, DeviceNames) {
  EXPECT_EQ(parse_device("cpu"), Device::CPU);
  EXPECT_THROW(parse_device("gpu"), std::invalid_argument);
  if (cuda::available()) {
    EXPECT_EQ(parse_device("cuda"), Device::CUDA);
    return;
  }
  // Without a device a run fails at once, saying why.
  RunConfig c;
  c.device = "cuda";
  try {
    c.loop_config();
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("device cuda"), std::string::npos) << e.what();
  }
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
  EXPECT_NE(message(R"({"epochs": "4"})").find("run.json: epochs must be an integer, got a string"), std::string::npos);
  EXPECT_NE(message(R"({"lr": -1})").find("lr must be > 0"), std::string::npos);
  EXPECT_NE(message(R"({"sampling": "random"})").find("sampling"), std::string::npos);
  EXPECT_NE(message("{").find("run.json"), std::string::npos);
  EXPECT_NE(message(R"({"bn_stats": "binas"})").find("bn_stats must be shared or private"), std::string::npos);
  EXPECT_NE(message(R"({"ema_decay": 1})").find("ema_decay must be in [0, 1)"), std::string::npos);
  EXPECT_NE(message(R"({"dropout": 1})").find("dropout must be < 1"), std::string::npos);
  EXPECT_NE(message(R"({"device": "gpu"})").find("device must be cpu or cuda"), std::string::npos);
  EXPECT_NE(message(R"({"reorder_fraction": 0})").find("reorder_fraction"), std::string::npos);
  EXPECT_NE(message(R"({"epochs": 2, "cooldown_epochs": 2})").find("cooldown_epochs"), std::string::npos);
  EXPECT_NE(message(R"({"kd_features": 1})").find("run.json: kd_features must be true or false"), std::string::npos);
  // Integers are range-checked before narrowing: 2^32 + 1 must not become 1 epoch or 1 thread.
  EXPECT_NE(message(R"({"epochs": 4294967297})").find("run.json: epochs must be in [-2147483648, 2147483647], got 4294967297"), std::string::npos);
  EXPECT_NE(message(R"({"loader_threads": 4294967297})").find("loader_threads must be in [-2147483648, 2147483647]"), std::string::npos);
  EXPECT_NE(message(R"({"loader_threads": 100000})").find("loader_threads must be in [1, 256]"), std::string::npos);
  EXPECT_NE(message(R"({"epochs": 1000000})").find("epochs must be in [1, 100000]"), std::string::npos);
  EXPECT_NE(message(R"({"seed": 18446744073709551615})").find("seed must be in [0, 9223372036854775807]"), std::string::npos);
  EXPECT_NE(message(R"({"checkpoint_every": -1})").find("checkpoint_every"), std::string::npos);
  const RunConfig d = parse_run_config(R"({"bn_stats": "private", "ema_decay": 0, "dropout": 0.3, "kd_features": false})", "r");
  EXPECT_EQ(d.bn_stats, "private");
  EXPECT_EQ(d.ema_decay, 0);
  EXPECT_EQ(d.dropout, 0.3);
  EXPECT_FALSE(d.kd_features);
  EXPECT_EQ(RunConfig{}.bn_stats, "shared");
  EXPECT_EQ(RunConfig{}.ema_decay, 0.999);
  // Every shipped configuration parses.
  for (const auto& e : fs::recursive_directory_iterator(IQNAS_SOURCE_DIR "/experiments/configs"))
    if (e.is_regular_file() && e.path().extension() == ".json") {
      EXPECT_NO_THROW(load_run_config(e.path().string())) << e.path();
    }
}

}  // namespace
}  // namespace iqnas
