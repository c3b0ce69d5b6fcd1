// A multi-threaded loader that prefetches augmented batches into page-locked buffers.
//
// Batches form one stream over epochs: batch s of the stream is step s % B of epoch
// first_epoch + s / B (B = batches per epoch), and its content depends only on (seed, epoch, step):
// the epoch's order is a seeded shuffle and each sample's augmentation is drawn from a generator
// seeded by (seed, epoch, sample index). So the same seed and epoch give the same batches whatever
// the thread count, and workers run ahead across epoch boundaries so training never waits at one.
//
// `prefetch` slots, each holding one batch, form a ring; worker threads claim the next batch of the
// stream as soon as a slot is free, fill it, and mark it ready; next() hands the slots out in
// order. A failure in a worker (a corrupt file) is rethrown by next() with the worker's message.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "nn/data/augment.h"
#include "nn/data/dataset.h"

namespace iqnas::data {

// One batch, valid until the next call to next(), start() or the loader's destruction.
struct Batch {
  int64_t n = 0;             // images in this batch (the last batch of an epoch may be smaller)
  int h = 0, w = 0, c = 0;   // image shape, NHWC
  const float* images = nullptr;   // n * h * w * c floats, page-locked in a CUDA build
  const int32_t* labels = nullptr;  // n labels
  const int64_t* indices = nullptr;  // n data set indices of the samples
  int64_t epoch = 0, step = 0;       // which epoch, which batch of it
  size_t image_floats() const { return static_cast<size_t>(n) * h * w * c; }
};

// The most worker threads a loader starts: each holds two batch slots, and thread counts come from
// flags and configs, so an unbounded count would be a thread bomb.
constexpr int kMaxLoaderThreads = 256;

struct LoaderOptions {
  int64_t batch_size = 128;
  int threads = 2;
  int prefetch = 0;  // batches in flight; 0 = 2 * threads (at least 2)
  bool shuffle = true;
  bool drop_last = false;
  uint64_t seed = 0;
  AugmentConfig augment;
  // Data-parallel runs (docs/distributed.md): every batch of the stream is the part
  // [n * shard / shards, n * (shard + 1) / shards) of the batch of n images that one loader would
  // give, so the shards of the ranks together are exactly that batch, with the same augmentation.
  int shard = 0, shards = 1;
};

class Loader {
 public:
  Loader(std::shared_ptr<const Dataset> data, LoaderOptions opt);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // Restarts the stream at the first batch of `epoch` (the constructor starts at epoch 0).
  void start(int64_t epoch);
  // The next batch of the stream; blocks until it is ready.
  Batch next();

  int64_t batches_per_epoch() const { return batches_; }
  int64_t samples_per_epoch() const;
  int out_h() const { return aug_.out_h(); }
  int out_w() const { return aug_.out_w(); }
  int out_c() const { return aug_.out_c(); }
  const Dataset& dataset() const { return *data_; }
  // The order in which the samples of `epoch` are visited (data set indices).
  std::vector<int64_t> epoch_order(int64_t epoch) const;

 private:
  struct Slot {
    float* images = nullptr;
    int32_t* labels = nullptr;
    std::vector<int64_t> indices;
    int64_t seq = -1;  // stream position it holds
    bool ready = false;
    int64_t n = 0;
    std::exception_ptr error;
  };
  void worker();
  void fill(Slot& slot, int64_t seq, const std::vector<int64_t>& order, Image& scratch);
  std::shared_ptr<const std::vector<int64_t>> order_for(int64_t epoch);  // under mu_
  void stop_workers_and_reset(int64_t epoch);

  std::shared_ptr<const Dataset> data_;
  LoaderOptions opt_;
  Augmenter aug_;
  int64_t batches_ = 0;
  std::vector<Slot> slots_;
  std::vector<std::thread> threads_;

  std::mutex mu_;
  std::condition_variable work_cv_, ready_cv_, idle_cv_;
  int64_t first_epoch_ = 0;
  int64_t claim_ = 0;     // next stream position a worker will take
  int64_t released_ = 0;  // positions below this are done with by the consumer
  int64_t handed_ = -1;   // position held by the consumer (-1: none)
  int busy_ = 0;
  bool pause_ = false, quit_ = false;
  std::map<int64_t, std::shared_ptr<const std::vector<int64_t>>> orders_;
};

}  // namespace iqnas::data
