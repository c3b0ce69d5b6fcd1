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

#include "nn/ops.h"
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

void run_step_benchmark(benchmark::State& state, const std::string& preset, Mode mode) {
  const SearchSpace space = find_space(preset);
  Rng rng(0);
  Supernet net(space, rng);  // default architecture: the heaviest
  std::unique_ptr<SubNetwork> teacher;
  if (mode != Mode::Heaviest) {
    teacher = extract_subnetwork(net, heaviest_arch(space));
    teacher->eval();
  }
  net.train();
  SGD opt(net.named_parameters(), sgd_options());
  const RunConfig cfg;  // label smoothing 0.1, KD: feature MSE / 50 + KL weight 1, T = 1
  const Batch b = random_batch(space, kBatch, 1);
  const Var images(b.images);
  Rng path_rng(7);
  float last_loss = 0;
  using clock = std::chrono::steady_clock;
  std::vector<double> teacher_times;

  auto step = [&] {
    net.fixed().dropout_rng = Rng(path_rng.next());
    Var loss;
    if (mode == Mode::Heaviest) {
      loss = cross_entropy(net.forward(images), b.labels, static_cast<float>(cfg.label_smoothing));
    } else {
      const PathSample path = mode == Mode::Multipath ? sample_multipath(space, kBatch, path_rng)
                                                      : sample_single_path(space, kBatch, path_rng);
      std::vector<Tensor> tf;
      Tensor tl;
      {
        const auto t0 = clock::now();
        NoGradGuard ng;
        std::vector<Var> f;
        tl = teacher->forward(images, &f).value();
        for (const Var& v : f) tf.push_back(v.value());
        teacher_times.push_back(std::chrono::duration<double>(clock::now() - t0).count());
      }
      std::vector<Var> sf;
      Var logits = net.forward(images, path, &sf);
      loss = distillation_loss(logits, sf, tl, tf, b.labels, cfg);
    }
    last_loss = loss.value().item();
    opt.zero_grad();
    loss.backward();
    opt.step();
  };

  step();  // warm-up: allocator caches fill, momentum buffers are created
  step();
  const int64_t params = trained_parameters(net);
  teacher_times.clear();
  std::vector<double> times, cpu_times;
  const long faults0 = minor_faults();
  for (auto _ : state) {
    const double c0 = process_cpu_seconds();
    const auto t0 = clock::now();
    step();
    const double sec = std::chrono::duration<double>(clock::now() - t0).count();
    cpu_times.push_back(process_cpu_seconds() - c0);
    state.SetIterationTime(sec);
    times.push_back(sec);
  }
  const long faults = minor_faults() - faults0;
  double total = 0;
  for (double t : times) total += t;
  state.SetItemsProcessed(int64_t(state.iterations()) * kBatch);
  state.SetLabel(preset + "/b" + std::to_string(kBatch));
  state.counters["ms"] = benchmark::Counter(1e3 * median(times));
  state.counters["faults"] = benchmark::Counter(double(faults) / double(times.size()));
  state.counters["cpu_ms"] = benchmark::Counter(1e3 * median(cpu_times));
  state.counters["ms_mean"] = benchmark::Counter(1e3 * total / double(times.size()));
  state.counters["ms_min"] = benchmark::Counter(1e3 * *std::min_element(times.begin(), times.end()));
  if (!teacher_times.empty()) state.counters["teacher_ms"] = benchmark::Counter(1e3 * median(teacher_times));
  state.counters["params"] = benchmark::Counter(double(params));
  state.counters["loss"] = benchmark::Counter(last_loss);
}

void BM_CifarHeaviest(benchmark::State& s) { run_step_benchmark(s, "cifar", Mode::Heaviest); }
void BM_CifarMultipath(benchmark::State& s) { run_step_benchmark(s, "cifar", Mode::Multipath); }
void BM_CifarSinglePath(benchmark::State& s) { run_step_benchmark(s, "cifar", Mode::SinglePath); }
void BM_TinyHeaviest(benchmark::State& s) { run_step_benchmark(s, "tiny", Mode::Heaviest); }

BENCHMARK(BM_CifarHeaviest)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CifarMultipath)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CifarSinglePath)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TinyHeaviest)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace iqnas

BENCHMARK_MAIN();
