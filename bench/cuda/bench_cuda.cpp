// GPU benchmarks (issue 3):
//  * BM_Depthwise: depthwise conv at batch 256 on the paper-preset shapes; mode fwd, bwd_data,
//    bwd_weight or all three (a training step's use). Counters: effective GB/s over the minimal
//    traffic (each tensor read or written once per kernel: fwd x + y, bwd data gy + gx, bwd weight
//    x + gy) and the time per call in ms.
//  * BM_TrainStep: forward + backward + SGD step of the heaviest paper network (bench/cuda/mbv3.h)
//    at 224x224, images/s; tf32 = 1 lets cuBLAS use TF32 tensor cores (PyTorch's cuDNN convolutions
//    use TF32 by default).
// Timing: CUDA events on the backend stream around each iteration (manual time). Without a CUDA
// device the program prints a note and exits 0. JSON: --benchmark_out=F --benchmark_out_format=json.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <utility>
#include <memory>
#include <string>
#include <vector>

#include "bench/cuda/mbv3.h"
#include "kernels/cuda/check.h"
#include "kernels/depthwise.h"
#include "kernels/gemm.h"
#include "nn/optim.h"
#include "util/rng.h"

namespace iqnas {
namespace {

struct DwShape {
  const char* name;
  int C, H, K, S;
};
// The depthwise layers of the paper preset's heaviest network (e6 expansions) and of its
// MobileNetV3-large-like neighbours.
const DwShape kDwShapes[] = {
    {"144x56x56_k3_s1", 144, 56, 3, 1}, {"144x56x56_k5_s1", 144, 56, 5, 1}, {"144x56x56_k5_s2", 144, 56, 5, 2},
    {"240x28x28_k5_s1", 240, 28, 5, 1}, {"240x28x28_k3_s2", 240, 28, 3, 2}, {"480x14x14_k3_s1", 480, 14, 3, 1},
    {"480x14x14_k5_s1", 480, 14, 5, 1}, {"672x14x14_k5_s1", 672, 14, 5, 1}, {"672x14x14_k5_s2", 672, 14, 5, 2},
    {"960x7x7_k5_s1", 960, 7, 5, 1},    {"1152x7x7_k5_s1", 1152, 7, 5, 1},  {"96x112x112_k3_s2", 96, 112, 3, 2},
};
const char* kModes[] = {"all", "fwd", "bwd_data", "bwd_weight"};

class EventTimer {
 public:
  EventTimer() {
    IQNAS_CUDA_CHECK(cudaEventCreate(&a_));
    IQNAS_CUDA_CHECK(cudaEventCreate(&b_));
  }
  ~EventTimer() {
    cudaEventDestroy(a_);
    cudaEventDestroy(b_);
  }
  void start() { IQNAS_CUDA_CHECK(cudaEventRecord(a_, cuda::stream())); }
  double stop_seconds() {
    IQNAS_CUDA_CHECK(cudaEventRecord(b_, cuda::stream()));
    IQNAS_CUDA_CHECK(cudaEventSynchronize(b_));
    float ms = 0;
    IQNAS_CUDA_CHECK(cudaEventElapsedTime(&ms, a_, b_));
    return ms * 1e-3;
  }

 private:
  cudaEvent_t a_, b_;
};

struct DevMem {
  explicit DevMem(size_t floats) : p(static_cast<float*>(cuda::alloc(floats * sizeof(float)))) {
    cuda::memset_zero(p, floats * sizeof(float));
  }
  ~DevMem() { cuda::free(p); }
  float* p;
};

void depthwise_body(benchmark::State& state) {
  const DwShape& s = kDwShapes[state.range(0)];
  const int mode = int(state.range(1));
  state.SetLabel(std::string(s.name) + "/" + kModes[mode]);  // first: errors keep it too
  DwConvArgs a;
  a.N = 256, a.H = a.W = s.H, a.C = s.C, a.K = s.K, a.stride = s.S, a.pad = s.K / 2;
  const size_t nx = size_t(a.N) * a.H * a.W * a.C, ny = size_t(a.N) * a.Ho() * a.Wo() * a.C;
  const size_t nw = size_t(a.K) * a.K * a.C;
  DevMem x(nx), w(nw), y(ny), gy(ny), gx(nx), gw(nw);
  auto run = [&] {
    if (mode == 0 || mode == 1) cuda::depthwise_forward(a, x.p, w.p, y.p);
    if (mode == 0 || mode == 2) cuda::depthwise_backward_data(a, gy.p, w.p, gx.p);
    if (mode == 0 || mode == 3) cuda::depthwise_backward_weight(a, x.p, gy.p, gw.p);
  };
  run();  // warm-up (and the allocator's first blocks)
  cuda::synchronize();
  EventTimer t;
  double total = 0;
  for (auto _ : state) {
    t.start();
    run();
    const double sec = t.stop_seconds();
    state.SetIterationTime(sec);
    total += sec;
  }
  const double bytes = 4.0 * (mode == 0 ? 3.0 * (nx + ny) : double(nx + ny));
  state.counters["GB/s"] = benchmark::Counter(bytes * double(state.iterations()) / total / 1e9);
  state.counters["ms"] = benchmark::Counter(1e3 * total / double(state.iterations()));
}

void train_step_body(benchmark::State& state) {
  const int batch = int(state.range(0));
  state.SetLabel("mbv3_heaviest_224/b" + std::to_string(batch) + (state.range(1) ? "/tf32" : "/fp32"));
  cuda::set_tf32(state.range(1) != 0);
  Rng rng(0);
  bench::MobileNetV3Heaviest net(rng);
  net.to(Device::CUDA);
  net.train();
  SgdOptions o;
  o.lr = 0.1f, o.momentum = 0.9f, o.nesterov = true, o.weight_decay = 4e-5f;
  SGD opt(net.named_parameters(), o);
  util::Rng gen(1);
  std::vector<float> img(size_t(batch) * 224 * 224 * 3);
  for (auto& v : img) v = static_cast<float>(gen.normal());
  std::vector<int32_t> labels(static_cast<size_t>(batch));
  for (auto& l : labels) l = int32_t(gen.below(1000));
  const Tensor images = Tensor::from_vector({batch, 224, 224, 3}, img, Device::CUDA);
  float last_loss = 0;
  auto step = [&] {
    net.zero_grad();
    Var loss = cross_entropy(net.forward(Var(images)), labels, 0.1f);
    last_loss = loss.value().item();
    loss.backward();
    opt.step();
  };
  step();  // warm-up: the caching allocator fills, cuBLAS picks its kernels
  step();
  cuda::synchronize();
  EventTimer t;
  double total = 0;
  for (auto _ : state) {
    t.start();
    step();
    const double sec = t.stop_seconds();
    state.SetIterationTime(sec);
    total += sec;
  }
  cuda::set_tf32(false);
  state.SetItemsProcessed(int64_t(state.iterations()) * batch);
  state.counters["img/s"] = benchmark::Counter(double(batch) * double(state.iterations()) / total);
  state.counters["ms"] = benchmark::Counter(1e3 * total / double(state.iterations()));
  state.counters["loss"] = benchmark::Counter(last_loss);
}

// Out of memory or any other error: reported for this benchmark, the others still run.
template <void (*Body)(benchmark::State&)>
void guarded(benchmark::State& state) {
  try {
    Body(state);
  } catch (const std::exception& e) {
    // After a sticky device fault every CUDA call throws: nothing may escape this handler, or
    // std::terminate would cut the JSON output short and lose every earlier result.
    try {
      cuda::set_tf32(false);
      cuda::empty_cache();
    } catch (...) {
    }
    state.SkipWithError(e.what());
  }
}
void BM_Depthwise(benchmark::State& state) { guarded<depthwise_body>(state); }
void BM_TrainStep(benchmark::State& state) { guarded<train_step_body>(state); }

void register_all() {
  for (int64_t i = 0; i < int64_t(sizeof(kDwShapes) / sizeof(kDwShapes[0])); ++i)
    for (int64_t m = 0; m < 4; ++m)
      benchmark::RegisterBenchmark("BM_Depthwise", BM_Depthwise)
          ->Args({i, m})
          ->ArgNames({"shape", "mode"})
          ->UseManualTime()
          ->Unit(benchmark::kMillisecond)
          ->MinTime(0.2);
  for (auto [batch, tf32] : {std::pair<int64_t, int64_t>{128, 0}, {256, 0}, {256, 1}})
    benchmark::RegisterBenchmark("BM_TrainStep", BM_TrainStep)
        ->Args({batch, tf32})
        ->ArgNames({"batch", "tf32"})
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond)
        ->Iterations(8);
}

}  // namespace
}  // namespace iqnas

int main(int argc, char** argv) {
  const std::string why = iqnas::cuda::unavailable_reason();
  if (!why.empty()) {
    // Under gpu-check (IQNAS_REQUIRE_GPU=1) a missing device is a failure, not an empty result.
    const char* req = std::getenv("IQNAS_REQUIRE_GPU");
    const bool required = req && req[0] == '1';
    std::printf("bench_cuda: no usable CUDA device (%s); nothing to measure\n", why.c_str());
    return required ? 1 : 0;
  }
  iqnas::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
