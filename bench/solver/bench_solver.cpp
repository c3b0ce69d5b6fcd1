// Solver benchmarks on problems with the method's structure (bench/solver/paper_problem.h).
//   bench_solver                      Google Benchmark timings per method
//   bench_solver --table [--quick]    the markdown table of docs/benchmarks-solver.md
//   bench_solver --write-examples DIR writes paper-size example problems
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench/solver/paper_problem.h"
#include "solver/exact.h"
#include "solver/problem_io.h"

using namespace iqnas;
using solver::Problem;
using solver::Result;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]));
}

void BM_Exact(benchmark::State& st) {
  bench::PaperProblemSpec spec;
  spec.budgets = static_cast<int>(st.range(0));
  spec.latency_frac = st.range(1) / 100.0;
  Problem p = bench::paper_problem(spec);
  for (auto _ : st) {
    Result r = solver::solve_exact(p);
    benchmark::DoNotOptimize(r.objective);
  }
}
BENCHMARK(BM_Exact)->ArgsProduct({{1, 2, 3}, {30, 50, 70}})->Unit(benchmark::kMillisecond);

int table(bool quick) {
  const int seeds = quick ? 3 : 10;
  std::string source;
  {
    bench::PaperProblemSpec s;
    bench::paper_problem(s, &source);
  }
  std::printf("latency coefficients: %s\n\n", source.c_str());
  std::printf("| budgets | problems | exact median ms | exact max ms | nodes median |\n|---|---|---|---|---|\n");
  for (int K = 1; K <= 3; ++K) {
    std::vector<double> t, nodes;
    for (int seed = 0; seed < seeds; ++seed)
      for (double frac : {0.2, 0.35, 0.5, 0.65, 0.8}) {
        bench::PaperProblemSpec spec;
        spec.seed = seed;
        spec.budgets = K;
        spec.latency_frac = frac;
        Problem p = bench::paper_problem(spec);
        const double t0 = now_s();
        Result r = solver::solve_exact(p);
        t.push_back((now_s() - t0) * 1e3);
        nodes.push_back(r.stat("nodes"));
        if (r.status != solver::Status::Optimal) std::printf("!! seed %d frac %.2f: %s\n", seed, frac, solver::status_name(r.status));
      }
    std::printf("| %d | %zu | %.2f | %.2f | %.0f |\n", K, t.size(), median(t), *std::max_element(t.begin(), t.end()), median(nodes));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--table")) {
      bool quick = i + 1 < argc && !std::strcmp(argv[i + 1], "--quick");
      return table(quick);
    }
    if (!std::strcmp(argv[i], "--write-examples") && i + 1 < argc) {
      const std::string dir = argv[i + 1];
      for (int K : {1, 3}) {
        bench::PaperProblemSpec spec;
        spec.budgets = K;
        solver::write_problem(bench::paper_problem(spec), dir + "/paper_" + std::to_string(K) + "budget.json");
      }
      return 0;
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
