// Thread-parallel training (LoopConfig::threads, nn/train/loop.h): worker threads as ranks of a
// dist::ThreadGroup train what one thread trains.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "nn/train/loop.h"
#include "tests/dist/networks.h"

using namespace iqnas;

namespace {

struct Options {
  int threads = 1;
  bool batch_norm = false;  // WithBatchNorm instead of TwoHeads
  bool same_layers = true;
  int64_t stop = 0;
  std::string checkpoint;
};

// A network and the step that trains it: one per worker thread.
struct Net {
  explicit Net(bool batch_norm) : init(11), heads(init), bn(init), batch_norm(batch_norm) {}
  Module& module() { return batch_norm ? static_cast<Module&>(bn) : heads; }
  StepFn step() {
    return [this](const Var& x, const std::vector<int32_t>& labels, const BatchShard& shard, Rng& rng) {
      Var logits;
      if (batch_norm) {
        logits = bn.forward(x);
      } else {
        std::vector<int> all(static_cast<size_t>(shard.global));  // drawn for the global batch, the shard's rows taken
        for (int& w : all) w = rng.bernoulli(0.25);
        logits = heads.forward(x, std::vector<int>(all.begin() + shard.offset, all.begin() + shard.offset + x.dim(0)));
      }
      return StepOutput{cross_entropy(logits, labels), logits.value()};
    };
  }
  Rng init;
  TwoHeads heads;
  WithBatchNorm bn;
  bool batch_norm;
};

// Trains a fresh network (the same initial weights on every call); its parameters and buffers.
std::vector<float> train(const Options& o) {
  Net net(o.batch_norm);
  LoopConfig cfg;
  cfg.epochs = 2, cfg.batch_size = 8, cfg.lr = 0.05, cfg.ema_decay = 0.9, cfg.checkpoint_every = 3;
  cfg.loader_threads = 1, cfg.seed = 5, cfg.progress = false, cfg.stop_after_steps = o.stop;
  cfg.threads = o.threads, cfg.same_layers = o.same_layers, cfg.comm = &dist::serial();
  run_training(net.module(), net.step(), synthetic(48), data::AugmentConfig{}, cfg, RunFiles{"check", o.checkpoint, ""}, [&] {
    auto r = std::make_shared<Net>(o.batch_norm);
    return Replica{std::shared_ptr<Module>(r, &r->module()), r->step(), r};
  });
  std::vector<float> w;
  for (const auto& [name, p] : net.module().named_parameters()) {
    const std::vector<float> v = p.value().to_vector();
    w.insert(w.end(), v.begin(), v.end());
  }
  for (const auto& [name, t] : net.module().named_buffers()) {
    const std::vector<float> v = t->to_vector();
    w.insert(w.end(), v.begin(), v.end());
  }
  return w;
}

double largest_difference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) worst = std::max(worst, double(std::fabs(a[i] - b[i])));
  return worst;
}

std::string temp_checkpoint(const char* name) {
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  std::filesystem::remove(path);
  return path;
}

}  // namespace

// Per-sample heads: a head that no sample of a thread's rows takes has no gradient there. Two and
// three threads, stopped after 7 of 12 steps and resumed from the checkpoint, reach the weights of
// one thread.
TEST(ThreadTraining, ThreadsReachTheWeightsOfOneThread) {
  const std::vector<float> one = train({});
  for (int threads : {2, 4}) {
    Options o;
    o.threads = threads, o.checkpoint = temp_checkpoint("iqnas_thread_training.safetensors"), o.stop = 7;
    train(o);
    o.stop = 0;
    EXPECT_LT(largest_difference(train(o), one), 1e-6) << threads << " threads";
    std::filesystem::remove(o.checkpoint);
  }
}

// With batch norm synchronised over the threads (every thread runs the same batch norms) the
// weights and running statistics are those of one thread; with statistics per thread they are not.
TEST(ThreadTraining, SynchronisedBatchNormReachesOneThread) {
  Options o;
  o.batch_norm = true;
  const std::vector<float> one = train(o);
  o.threads = 2;
  const double synced = largest_difference(train(o), one);
  o.same_layers = false;
  const double own = largest_difference(train(o), one);
  EXPECT_LT(synced, 1e-5);
  EXPECT_GT(own, 1e-3);
  std::printf("2 threads against 1: synchronised batch norm %.2g, per-thread batch norm %.2g\n", synced, own);
}

TEST(ThreadTraining, RefusesWhatItCannotRun) {
  Options o;
  o.threads = 3;  // batch 8 is not a multiple of 3
  EXPECT_THROW(train(o), std::invalid_argument);
  Net net(false);
  LoopConfig cfg;
  cfg.threads = 2, cfg.progress = false, cfg.comm = &dist::serial();
  EXPECT_THROW(run_training(net.module(), net.step(), synthetic(48), data::AugmentConfig{}, cfg, RunFiles{"check", "", ""}),
               std::invalid_argument);  // no replicas
}
