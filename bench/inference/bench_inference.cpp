// BM_Inference/<space>_<heaviest|smallest>: one batch-1 forward of the BN-folded inference path
// (random weights). Google Benchmark's cpu_time is the thread's CPU time; run with
// OMP_NUM_THREADS=1 for the 1-thread figures of docs/latency.md.
#include <benchmark/benchmark.h>


#include "nn/autograd.h"
#include "supernet/inference.h"

namespace iqnas {
namespace {

void BM_Inference(benchmark::State& state, const std::string& space, bool heaviest) {
  NoGradGuard no_grad;
  const SearchSpace s = find_space(space);
  Rng rng(0);
  SubNetwork net(s, heaviest ? heaviest_arch(s) : smallest_arch(s), rng);
  net.eval();
  InferenceProgram p = inference_network(s, net, 1);
  std::vector<float> x(size_t(p.input_floats()));
  for (float& v : x) v = static_cast<float>(rng.uniform());
  for (auto _ : state) benchmark::DoNotOptimize(p.run(x.data()));
  state.counters["MACs"] = double(p.macs());
}

BENCHMARK_CAPTURE(BM_Inference, paper_heaviest, std::string("paper"), true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Inference, paper_smallest, std::string("paper"), false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Inference, cifar_heaviest, std::string("cifar"), true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Inference, cifar_smallest, std::string("cifar"), false)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace iqnas

BENCHMARK_MAIN();
