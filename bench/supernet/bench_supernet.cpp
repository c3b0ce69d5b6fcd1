// One full CPU training step per iteration, batch 64, random images (N(0,1)) and random labels:
// forward, cross-entropy with label smoothing 0.1 (or the distillation loss), backward, SGD
// (momentum 0.9, Nesterov, weight decay 4e-5 on weights of rank > 1, lr 0.01).
//
//   BM_CifarHeaviest    the cifar heaviest network alone: a Supernet on its default (heaviest)
//                       architecture, one path for the whole batch (train_heaviest's step)
//   BM_CifarMultipath   train_supernet's multipath step: teacher = extract_subnetwork(heaviest),
//                       eval mode under NoGradGuard, gives logits and stage features; the student
//                       runs sample_multipath (every image its own path) with stage features;
//                       distillation_loss with a default RunConfig
//   BM_CifarSinglePath  the same with sample_single_path (a random architecture per step)
//   BM_TinyHeaviest     the tiny preset's heaviest network at 28x28x1
//
// Counters: items_per_second (images/s over the mean step time, Google Benchmark's own), ms (the
// MEDIAN step time, the least disturbed by other processes; scripts/bench-supernet.sh reports
// 64 / median), ms_mean, ms_min, teacher_ms (median time of the teacher's forward inside the
// distillation steps), params (the parameters the step trains, i.e. those with a gradient after
// it: for the heaviest cases the network's own parameter count, printed next to PyTorch's) and the
// last loss (a sanity check). Threads: OMP_NUM_THREADS. The path sampling and the teacher forward
// are part of the timed step. cpu_ms: median process CPU time per step (all threads; with one
// thread the least load-sensitive measure on a shared machine); faults: minor page faults per
// step (fresh pages the step maps, e.g. allocations the host cache does not serve). Run time per case: --benchmark_min_time (seconds, default 0.5).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include <sys/resource.h>
#include <memory>
#include <string>
#include <vector>

#include <omp.h>

#include "dist/thread_group.h"
#include "nn/ops.h"
#include "nn/train/data_parallel.h"
#include "nn/optim.h"
#include "supernet/arch.h"
#include "supernet/run_config.h"
#include "supernet/sampler.h"
#include "supernet/space.h"
#include "supernet/subnet.h"
#include "supernet/supernet.h"
#include "supernet/trainer.h"
#include "util/rng.h"

namespace iqnas {
namespace {

constexpr int kBatch = 64;

struct Batch {
  Tensor images;
  std::vector<int32_t> labels;
};

Batch random_batch(const SearchSpace& s, int n, uint64_t seed) {
  util::Rng gen(seed);
  std::vector<float> img(size_t(n) * s.image_size * s.image_size * s.in_channels);
  for (auto& v : img) v = static_cast<float>(gen.normal());
  Batch b;
  b.images = Tensor::from_vector({n, s.image_size, s.image_size, s.in_channels}, img);
  b.labels.resize(size_t(n));
  for (auto& l : b.labels) l = int32_t(gen.below(uint64_t(s.num_classes)));
  return b;
}

SgdOptions sgd_options() {
  SgdOptions o;
  o.lr = 0.01f, o.momentum = 0.9f, o.nesterov = true, o.weight_decay = 4e-5f, o.no_decay_1d = true;
  return o;
}

int64_t trained_parameters(const Module& m) {
  int64_t n = 0;
  for (const auto& [name, p] : m.named_parameters())
    if (p.grad().defined()) n += p.value().numel();
  return n;
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

long minor_faults() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_minflt;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0.0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

enum class Mode { Heaviest, Multipath, SinglePath };

// One worker's copy of everything a step touches (threads as ranks, docs/benchmarks.md "Two
// threads"): its network, teacher, optimiser and gradient reducer, and its rows of the batch.
struct Replica {
  Supernet net;
  std::unique_ptr<SubNetwork> teacher;
  std::unique_ptr<SGD> opt;
  std::unique_ptr<GradientReducer> reducer;
  Var images;
  std::vector<int32_t> labels;
  int64_t offset = 0;
  Replica(const SearchSpace& space, Rng rng) : net(space, rng) {}
};

// With threads = false one network runs the step with OMP_NUM_THREADS OpenMP threads inside each
// op; with threads = true, OMP_NUM_THREADS worker threads (dist::ThreadGroup) each run the whole
// step on their share of the batch with one OpenMP thread, the gradients summed in memory by the
// data-parallel buckets (GradientReducer) and batch norm synchronised over the workers where every
// worker runs the same batch norms (the heaviest network); the multipath and single-path steps keep
// per-worker batch-norm statistics (each worker runs its own samples' branches).
void run_step_benchmark(benchmark::State& state, const std::string& preset, Mode mode, bool threads) {
  const SearchSpace space = find_space(preset);
  const int workers = threads ? std::max(1, omp_get_max_threads()) : 1;
  if (kBatch % workers != 0) {
    state.SkipWithError("the batch is not a multiple of OMP_NUM_THREADS");
    return;
  }
  const RunConfig cfg;  // label smoothing 0.1, KD: feature MSE / 50 + KL weight 1, T = 1
  const Batch b = random_batch(space, kBatch, 1);
  const int64_t rows = kBatch / workers;
  dist::ThreadGroup group(workers);
  std::vector<std::unique_ptr<Replica>> reps;
  for (int r = 0; r < workers; ++r) {
    auto rep = std::make_unique<Replica>(space, Rng(0));  // default architecture: the heaviest; the same weights in all
    if (mode != Mode::Heaviest) {
      rep->teacher = extract_subnetwork(rep->net, heaviest_arch(space));
      rep->teacher->eval();
    }
    rep->net.train();
    rep->opt = std::make_unique<SGD>(rep->net.named_parameters(), sgd_options());
    rep->reducer = std::make_unique<GradientReducer>(rep->net.parameters(), group.comm(r));
    rep->offset = rows * r;
    rep->images = Var(workers == 1 ? b.images : b.images.slice(0, rep->offset, rows).contiguous());
    rep->labels.assign(b.labels.begin() + rep->offset, b.labels.begin() + rep->offset + rows);
    reps.push_back(std::move(rep));
  }
  using clock = std::chrono::steady_clock;
  std::vector<double> teacher_times;
  float last_loss = 0;
  uint64_t step_no = 0;

  auto step = [&](Replica& me, dist::Communicator& comm, uint64_t t) {
    Rng path_rng(util::mix_seed(7, t));  // the same on every worker: paths are drawn for the whole batch
    me.net.fixed().dropout_rng = Rng(util::mix_seed(path_rng.next(), uint64_t(comm.rank())));
    Var logits, loss;
    if (mode == Mode::Heaviest) {
      logits = me.net.forward(me.images);
      loss = cross_entropy(logits, me.labels, static_cast<float>(cfg.label_smoothing));
    } else {
      const PathSample path = mode == Mode::Multipath ? sample_multipath(space, kBatch, path_rng).rows(me.offset, rows)
                                                      : sample_single_path(space, rows, path_rng);
      std::vector<Tensor> tf;
      Tensor tl;
      {
        const auto t0 = clock::now();
        NoGradGuard ng;
        std::vector<Var> f;
        tl = me.teacher->forward(me.images, &f).value();
        for (const Var& v : f) tf.push_back(v.value());
        if (comm.rank() == 0) teacher_times.push_back(std::chrono::duration<double>(clock::now() - t0).count());
      }
      std::vector<Var> sf;
      logits = me.net.forward(me.images, path, &sf);
      loss = distillation_loss(logits, sf, tl, tf, me.labels, cfg);
    }
    me.opt->zero_grad();
    me.reducer->begin({loss.value().item() * double(rows), 0, double(rows)});
    loss.backward();
    const StepStats st = me.reducer->finish();
    if (comm.rank() == 0) last_loss = static_cast<float>(st.loss_sum / st.images);
    me.opt->step();
  };

  std::vector<double> times, cpu_times;
  long faults = 0;
  group.run([&](dist::Communicator& comm) {
    const int r = comm.rank();
    Replica& me = *reps[size_t(r)];
    const int omp_before = omp_get_max_threads();
    if (workers > 1) omp_set_num_threads(1);
    RankBatchNormSync sync(comm);
    const BatchNormSyncScope scope(workers > 1 && mode == Mode::Heaviest ? &sync : nullptr);
    auto go = [&](int run) {  // rank 0 tells the others whether to run another step
      comm.broadcast(&run, sizeof run, 0, "next step");
      return run != 0;
    };
    if (r != 0) {
      for (uint64_t t = 0; go(0); ++t) step(me, comm, t);
    } else {
      for (int w = 0; w < 2; ++w) go(1), step(me, comm, step_no++);  // warm-up: caches fill, momentum buffers appear
      teacher_times.clear();
      const long faults0 = minor_faults();
      for (auto _ : state) {
        const double c0 = process_cpu_seconds();
        const auto t0 = clock::now();
        go(1);
        step(me, comm, step_no++);
        const double sec = std::chrono::duration<double>(clock::now() - t0).count();
        cpu_times.push_back(process_cpu_seconds() - c0);
        state.SetIterationTime(sec);
        times.push_back(sec);
      }
      faults = minor_faults() - faults0;
      go(0);
    }
    omp_set_num_threads(omp_before);
  });
  const int64_t params = trained_parameters(reps[0]->net);
  double total = 0;
  for (double t : times) total += t;
  state.SetItemsProcessed(int64_t(state.iterations()) * kBatch);
  state.SetLabel(preset + "/b" + std::to_string(kBatch) + (threads ? "/" + std::to_string(workers) + " workers" : ""));
  state.counters["ms"] = benchmark::Counter(1e3 * median(times));
  state.counters["faults"] = benchmark::Counter(double(faults) / double(times.size()));
  state.counters["cpu_ms"] = benchmark::Counter(1e3 * median(cpu_times));
  state.counters["ms_mean"] = benchmark::Counter(1e3 * total / double(times.size()));
  state.counters["ms_min"] = benchmark::Counter(1e3 * *std::min_element(times.begin(), times.end()));
  if (!teacher_times.empty()) state.counters["teacher_ms"] = benchmark::Counter(1e3 * median(teacher_times));
  state.counters["params"] = benchmark::Counter(double(params));
  state.counters["loss"] = benchmark::Counter(last_loss);
}

void BM_CifarHeaviest(benchmark::State& s) { run_step_benchmark(s, "cifar", Mode::Heaviest, false); }
void BM_CifarMultipath(benchmark::State& s) { run_step_benchmark(s, "cifar", Mode::Multipath, false); }
void BM_CifarSinglePath(benchmark::State& s) { run_step_benchmark(s, "cifar", Mode::SinglePath, false); }
void BM_TinyHeaviest(benchmark::State& s) { run_step_benchmark(s, "tiny", Mode::Heaviest, false); }
void BM_CifarHeaviestThreads(benchmark::State& s) { run_step_benchmark(s, "cifar", Mode::Heaviest, true); }
void BM_CifarMultipathThreads(benchmark::State& s) { run_step_benchmark(s, "cifar", Mode::Multipath, true); }
void BM_TinyHeaviestThreads(benchmark::State& s) { run_step_benchmark(s, "tiny", Mode::Heaviest, true); }

BENCHMARK(BM_CifarHeaviest)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CifarMultipath)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CifarSinglePath)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TinyHeaviest)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CifarHeaviestThreads)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CifarMultipathThreads)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TinyHeaviestThreads)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace iqnas

BENCHMARK_MAIN();
