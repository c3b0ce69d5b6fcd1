// dist/ and the data-parallel pieces in one process: work splitting, loader shards, path rows.
#include <gtest/gtest.h>

#include <cstring>

#include "dist/shard.h"
#include "nn/data/loader.h"
#include "nn/layers.h"
#include "nn/ops.h"
#include "nn/train/data_parallel.h"
#include "supernet/sampler.h"
#include "supernet/space.h"

using namespace iqnas;

TEST(Dist, ShardsCoverTheItemsOnceAndDifferByAtMostOne) {
  for (int64_t n : {0, 1, 7, 64})
    for (int size : {1, 2, 3, 8}) {
      int64_t next = 0, lo = n, hi = 0;
      for (int r = 0; r < size; ++r) {
        const dist::Range x = dist::shard(n, r, size);
        EXPECT_EQ(x.begin, next);
        next = x.end;
        lo = std::min(lo, x.size()), hi = std::max(hi, x.size());
      }
      EXPECT_EQ(next, n);
      EXPECT_LE(hi - lo, 1);
    }
  EXPECT_THROW(dist::shard(4, 2, 2), std::invalid_argument);
  EXPECT_THROW(dist::shard(4, 0, 0), std::invalid_argument);
}

TEST(Dist, SerialCommunicatorAndJobsRunInOrder) {
  dist::Communicator& one = dist::serial();
  EXPECT_EQ(one.size(), 1);
  EXPECT_EQ(one.allgather("abc", "t"), std::vector<std::string>{"abc"});
  std::vector<int64_t> taken;
  dist::for_each_job(one, 3, 7, [](int64_t i) { return std::to_string(i * i); },
                     [&](int64_t i, const std::string& r) {
                       EXPECT_EQ(r, std::to_string(i * i));
                       taken.push_back(i);
                     });
  EXPECT_EQ(taken, (std::vector<int64_t>{3, 4, 5, 6}));
}

TEST(Dist, LoaderShardsTogetherAreTheWholeBatch) {
  auto d = std::make_shared<data::InMemoryDataset>("s", "test", 3, 3, 1, std::vector<std::string>{"a", "b"});
  for (int i = 0; i < 20; ++i) {
    uint8_t* p = d->append_uninitialised(i % 2);
    for (int k = 0; k < 9; ++k) p[k] = static_cast<uint8_t>(i * 9 + k);
  }
  data::LoaderOptions o;
  o.batch_size = 6, o.threads = 1, o.drop_last = true, o.seed = 4;
  o.augment.hflip = true;  // per-sample augmentation must follow the sample into its shard
  data::Loader whole(d, o);
  o.shards = 2;
  data::Loader first(d, o);
  o.shard = 1;
  data::Loader second(d, o);
  for (int step = 0; step < 5; ++step) {  // across an epoch boundary (3 batches per epoch)
    const data::Batch w = whole.next(), a = first.next(), b = second.next();
    ASSERT_EQ(a.n, 3);
    ASSERT_EQ(b.n, 3);
    for (int64_t i = 0; i < 6; ++i) {
      const data::Batch& part = i < 3 ? a : b;
      const int64_t j = i % 3;
      EXPECT_EQ(part.indices[j], w.indices[i]);
      EXPECT_EQ(part.labels[j], w.labels[i]);
      EXPECT_EQ(0, std::memcmp(part.images + j * 9, w.images + i * 9, 9 * sizeof(float)));
    }
  }
  o.shard = 2;
  EXPECT_THROW(data::Loader(d, o), std::invalid_argument);
}

TEST(Dist, PathRowsAreTheSamplesOfTheGlobalDraw) {
  const SearchSpace s = find_space("tiny");
  Rng rng(2);
  const PathSample all = sample_multipath(s, 10, rng);
  const PathSample part = all.rows(4, 3);
  ASSERT_EQ(part.n, 3);
  for (int64_t i = 0; i < 3; ++i) EXPECT_EQ(part.arch_of(i), all.arch_of(4 + i));
  EXPECT_THROW(all.rows(8, 3), std::out_of_range);
}

TEST(Dist, OneRankLeavesGradientsAlone) {
  Var p(Tensor::full({3}, 1.f), true);
  p.set_grad(Tensor::full({3}, 2.f));
  GradientReducer r({p}, dist::serial());
  r.begin({1.5, 2, 4});
  const StepStats st = r.finish();
  EXPECT_EQ(st.loss_sum, 1.5);
  EXPECT_EQ(st.images, 4);
  EXPECT_EQ(p.grad().data()[0], 2.f);
}

namespace {

class Done final : public dist::Pending {
 public:
  bool test() override { return true; }
  void wait() override {}
};

// Rank 0 of two in one process: the other rank contributes zeros (a Mean halves); records the
// all-reduces as they start.
class HalfOfTwo final : public dist::Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 2; }
  void allreduce(float* d, size_t n, dist::ReduceOp op, const char*) override { reduce(d, n, op); }
  void allreduce(double* d, size_t n, dist::ReduceOp op, const char*) override { reduce(d, n, op); }
  std::unique_ptr<dist::Pending> start_allreduce(float* d, size_t n, dist::ReduceOp op, const char*) override {
    on_start(n);
    reduce(d, n, op);
    return std::make_unique<Done>();
  }
  std::unique_ptr<dist::Pending> start_allreduce(double* d, size_t n, dist::ReduceOp op, const char*) override {
    on_start(n);
    reduce(d, n, op);
    return std::make_unique<Done>();
  }
  void broadcast(void*, size_t, int, const char*) override {}
  void barrier(const char*) override {}
  std::vector<std::string> allgather(const std::string& b, const char*) override { return {b, b}; }
  std::function<void(size_t)> on_start;

 private:
  template <class T>
  void reduce(T* d, size_t n, dist::ReduceOp op) {
    if (op == dist::ReduceOp::Mean)
      for (size_t i = 0; i < n; ++i) d[i] /= 2;
  }
};

}  // namespace

// The last layer's bucket starts inside the backward pass, before the first layer's gradient
// exists; a bucket holding a parameter this rank did not use waits for finish(); the gradients are
// the average (here half: the other rank has none), and a parameter no rank used keeps none.
TEST(Dist, GradientBucketsStartDuringTheBackwardPassInOrder) {
  Rng rng(1);
  Linear unused(300, 300, false, rng), first(300, 300, false, rng), last(300, 300, false, rng);  // one bucket each
  HalfOfTwo comm;
  std::vector<std::string> started;
  comm.on_start = [&](size_t n) {
    started.push_back(std::to_string(n) + (first.weight.grad().defined() ? " after" : " before"));
  };
  GradientReducer r({unused.weight, first.weight, last.weight}, comm);
  const Var x(Tensor::full({4, 300}, 0.01f));
  r.begin({1.5, 2, 4});
  sum(last.forward(first.forward(x))).backward();
  ASSERT_EQ(started, (std::vector<std::string>{"3 before", "90001 before", "90001 after"}));
  const StepStats st = r.finish();
  ASSERT_EQ(started.size(), 4u);  // the unused parameter's bucket
  EXPECT_EQ(st.loss_sum, 1.5);
  EXPECT_FALSE(unused.weight.grad().defined());
  const Tensor averaged = first.weight.grad().clone();
  first.weight.zero_grad(), last.weight.zero_grad();
  sum(last.forward(first.forward(x))).backward();  // outside a step: the hooks do nothing
  EXPECT_EQ(started.size(), 4u);
  const std::vector<float> avg = averaged.to_vector(), local = first.weight.grad().to_vector();
  for (size_t i = 0; i < avg.size(); i += 997) ASSERT_FLOAT_EQ(avg[i], local[i] / 2) << i;
}
