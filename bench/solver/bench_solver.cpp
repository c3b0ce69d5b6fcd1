// Solver benchmarks on problems with the method's structure (bench/solver/paper_problem.h).
//   bench_solver                      Google Benchmark timings per method
//   bench_solver --table [--quick]    the markdown table of docs/benchmarks-solver.md
//   bench_solver --write-examples DIR writes paper-size example problems
//   bench_solver --write-set DIR      writes 12 paper-size problems (1-3 budgets) for the MILP check
//   bench_solver --write-dense-set DIR  writes the dense family (cross terms 100-2,000, 1 and 3
//                                     budgets, 3 seeds) for scripts/check-solver-milp.py --table
//   bench_solver --dense-table [--time-limit S] [--only k3_x2000]
//                                     exact on that family in this process: time to a proven optimum
//                                     (or the bound gap left at the limit, default 30 s)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/solver/paper_problem.h"
#include "solver/exact.h"
#include "solver/heuristics.h"
#include "solver/sweep.h"
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

struct Stats {
  std::vector<double> ms, gap;
  int optimal = 0;
};

void row(const char* method, int K, const Stats& s) {
  double mean_gap = 0, max_gap = 0;
  for (double g : s.gap) {
    mean_gap += g / s.gap.size();
    max_gap = std::max(max_gap, g);
  }
  std::printf("| %s | %d | %zu | %.3f | %.3f | %.4f | %.4f | %d/%zu |\n", method, K, s.ms.size(), median(s.ms),
              *std::max_element(s.ms.begin(), s.ms.end()), mean_gap, max_gap, s.optimal, s.ms.size());
}

int table(bool quick) {
  const int seeds = quick ? 2 : 10;
  const std::vector<double> fracs = {0.2, 0.35, 0.5, 0.65, 0.8};
  std::string source;
  {
    bench::PaperProblemSpec s;
    bench::paper_problem(s, &source);
  }
  std::printf("latency coefficients: %s; %d seeds x %zu budget levels per row; one thread\n\n", source.c_str(), seeds,
              fracs.size());
  std::printf("| method | budgets | problems | median ms | max ms | mean gap | max gap | optimal |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (int K = 1; K <= 3; ++K) {
    Stats ex, rl, ev, rd;
    for (int seed = 0; seed < seeds; ++seed)
      for (double frac : fracs) {
        bench::PaperProblemSpec spec;
        spec.seed = seed;
        spec.budgets = K;
        spec.latency_frac = frac;
        Problem p = bench::paper_problem(spec);
        // exact: median of 5 repeats of the full solve (preprocessing included)
        std::vector<double> rep;
        Result r;
        for (int t = 0; t < 5; ++t) {
          const double t0 = now_s();
          r = solver::solve_exact(p);
          rep.push_back((now_s() - t0) * 1e3);
        }
        ex.ms.push_back(median(rep));
        ex.gap.push_back(0);
        ex.optimal += r.status == solver::Status::Optimal;
        const double best = r.objective;
        auto heur = [&](Stats& s, auto fn) {
          const double t0 = now_s();
          Result h = fn();
          s.ms.push_back((now_s() - t0) * 1e3);
          if (!p.feasible(h.selection)) std::printf("!! infeasible heuristic result\n");
          s.gap.push_back(best - h.objective);
          s.optimal += best - h.objective <= 1e-9 * std::max(1.0, std::fabs(best));
        };
        heur(rl, [&] { return solver::solve_relax(p); });
        heur(ev, [&] {
          solver::EvoOptions o;
          o.seed = seed;
          return solver::solve_evo(p, o);
        });
        heur(rd, [&] {
          solver::RandomOptions o;
          o.seed = seed;
          return solver::solve_random(p, o);
        });
      }
    row("exact", K, ex);
    row("relax", K, rl);
    row("evo", K, ev);
    row("random (K=10000)", K, rd);
  }
  // Sweeps: 100 latency budgets from the smallest to the largest achievable latency.
  std::printf("\n| sweep | budgets | problems | median total ms | max total ms | solved (not reused) median |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (int K : {1, 3}) {
    std::vector<double> tot, solved;
    for (int seed = 0; seed < seeds; ++seed) {
      bench::PaperProblemSpec spec;
      spec.seed = seed;
      spec.budgets = K;
      Problem p = bench::paper_problem(spec);
      const double lo = solver::min_constraint_value(p, 0);
      Problem neg = p;
      for (auto& t : neg.constraints[0].expr.linear) t.coef = -t.coef;
      for (auto& t : neg.constraints[0].expr.bilinear) t.coef = -t.coef;
      neg.constraints[0].expr.constant = -neg.constraints[0].expr.constant;
      const double hi = -solver::min_constraint_value(neg, 0);
      std::vector<double> budgets;
      for (int i = 0; i < 100; ++i) budgets.push_back(lo + (hi - lo) * i / 99.0);
      const double t0 = now_s();
      auto pts = solver::sweep(p, "latency_ms", budgets);
      tot.push_back((now_s() - t0) * 1e3);
      int n = 0;
      for (const auto& pt : pts) n += !pt.reused;
      solved.push_back(n);
    }
    std::printf("| latency_ms, %d budget%s | 100 | %zu | %.2f | %.2f | %.0f |\n", K, K > 1 ? "s" : "", tot.size(),
                median(tot), *std::max_element(tot.begin(), tot.end()), median(solved));
  }
  return 0;
}

bench::PaperProblemSpec dense_spec(int K, int cross, int seed) {
  bench::PaperProblemSpec spec;
  spec.budgets = K;
  spec.seed = seed;
  spec.cross_terms = cross;
  return spec;
}

std::string dense_name(int K, int cross, int seed) {
  char name[64];
  std::snprintf(name, sizeof name, "dense_k%d_x%04d_s%d", K, cross, seed);
  return name;
}

int dense_table(double limit, const std::string& only) {
  std::printf("exact on the dense family, time limit %g s, one thread\n\n", limit);
  std::printf("| problem | status | s | objective | bound | gap | root bound | nodes |\n|---|---|---|---|---|---|---|---|\n");
  int proven = 0, total = 0;
  for (int K : {1, 3})
    for (int cross : {100, 300, 500, 1000, 2000})
      for (int seed = 0; seed < 3; ++seed) {
        const std::string name = dense_name(K, cross, seed);
        if (!only.empty() && name.find(only) == std::string::npos) continue;
        const Problem p = bench::paper_problem(dense_spec(K, cross, seed));
        solver::ExactOptions opt;
        opt.time_limit_s = limit;
        const double t = now_s();
        const Result r = solver::ExactSolver(p).solve(opt);
        const double s = now_s() - t;
        const bool opt_ok = r.status == solver::Status::Optimal;
        proven += opt_ok;
        ++total;
        std::printf("| %s | %s | %.2f | %.4f | %.4f | %.4f | %.4f | %.0f |\n", name.c_str(), opt_ok ? "optimal" : "open", s,
                    r.objective, r.bound, r.bound - r.objective, r.stat("root_bound"), r.stat("nodes"));
        std::fflush(stdout);
      }
  std::printf("\nproven optimal: %d of %d\n", proven, total);
  return 0;
}


int run(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--table")) {
      bool quick = i + 1 < argc && !std::strcmp(argv[i + 1], "--quick");
      return table(quick);
    }
    if (!std::strcmp(argv[i], "--dense-table")) {
      double limit = 30;
      std::string only;
      for (int j = i + 1; j < argc; j += 2) {
        if (j + 1 == argc) {
          std::fprintf(stderr, "--dense-table: %s needs a value\n", argv[j]);
          return 2;
        }
        if (!std::strcmp(argv[j], "--time-limit")) {
          char* end = nullptr;
          limit = std::strtod(argv[j + 1], &end);
          if (*end || !(limit > 0 && limit <= 1e6)) {
            std::fprintf(stderr, "--time-limit: expected seconds in (0, 1e6], got %s\n", argv[j + 1]);
            return 2;
          }
        } else if (!std::strcmp(argv[j], "--only")) {
          only = argv[j + 1];
        } else {
          std::fprintf(stderr, "--dense-table: unknown option %s\n", argv[j]);
          return 2;
        }
      }
      return dense_table(limit, only);
    }
    if (!std::strcmp(argv[i], "--write-examples") && i + 1 < argc) {
      const std::string dir = argv[i + 1];
      std::filesystem::create_directories(dir);
      for (int K : {1, 3}) {
        bench::PaperProblemSpec spec;
        spec.budgets = K;
        solver::write_problem(bench::paper_problem(spec), dir + "/paper_" + std::to_string(K) + "budget.json");
      }
      return 0;
    }
    if (!std::strcmp(argv[i], "--write-set") && i + 1 < argc) {  // problems for the MILP check
      const std::string dir = argv[i + 1];
      std::filesystem::create_directories(dir);
      for (int K = 1; K <= 3; ++K)
        for (int seed = 0; seed < 4; ++seed) {
          bench::PaperProblemSpec spec;
          spec.budgets = K;
          spec.seed = seed;
          spec.latency_frac = 0.2 + 0.2 * seed;
          solver::write_problem(bench::paper_problem(spec),
                                dir + "/paper_k" + std::to_string(K) + "_s" + std::to_string(seed) + ".json");
        }
      return 0;
    }
    if (!std::strcmp(argv[i], "--write-dense-set") && i + 1 < argc) {  // dense family for the MILP ratio table
      const std::string dir = argv[i + 1];
      std::filesystem::create_directories(dir);
      for (int K : {1, 3})
        for (int cross : {100, 300, 500, 1000, 2000})
          for (int seed = 0; seed < 3; ++seed) {
            solver::write_problem(bench::paper_problem(dense_spec(K, cross, seed)),
                                  dir + "/" + dense_name(K, cross, seed) + ".json");
          }
      return 0;
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}

}  // namespace

// Errors (an unwritable folder, ...) as a message and exit status 1, not an uncaught exception.
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_solver: %s\n", e.what());
    return 1;
  }
}
