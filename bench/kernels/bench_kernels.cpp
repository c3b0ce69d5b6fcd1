// Google Benchmark of the CPU kernels on the layer shapes of the 32x32 MobileNetV3-style network at
// batch 64 (bench/kernels/shapes.json, shared with bench/reference/torch_kernels.py).
//
// Names: <family>/<pass>/<shape>, family in {conv, pw, dw, bn, hswish}; pass in {fwd, bwd_data,
// bwd_weight, total} for convolutions (total = forward + both backwards), {fwd_train, bwd, total}
// for batch norm, {fwd, bwd} for h-swish. Times are wall-clock (real time); set the thread count
// with OMP_NUM_THREADS. Override the shape file with IQNAS_KERNEL_SHAPES=path; see single_calls()
// for IQNAS_BENCH_SINGLE_CALLS.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/conv.h"
#include "kernels/depthwise.h"
#include "kernels/elementwise.h"
#include "util/rng.h"

namespace {

using namespace iqnas;

// 64-byte aligned float buffer filled with N(0, 1) values.
struct Buf {
  std::unique_ptr<float, decltype(&std::free)> p{nullptr, &std::free};
  explicit Buf(std::size_t n, unsigned seed = 1) {
    const std::size_t bytes = ((std::max<std::size_t>(n, 1) * sizeof(float) + 63) / 64) * 64;
    p.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
    if (!p) throw std::bad_alloc();
    util::Rng gen(seed);
    for (std::size_t i = 0; i < n; ++i) p.get()[i] = static_cast<float>(gen.normal());
  }
  float* get() const { return p.get(); }
};

using Body = std::function<void()>;

// IQNAS_BENCH_SINGLE_CALLS=1: every repetition times exactly one call (after one untimed warm-up
// call), so that with --benchmark_repetitions=N the minimum over repetitions is the fastest single
// call, measured the same way as bench/reference/torch_kernels.py does. On a shared machine a
// multi-call repetition almost always contains a descheduled thread.
bool single_calls() {
  const char* e = std::getenv("IQNAS_BENCH_SINGLE_CALLS");
  return e && *e && std::string(e) != "0";
}

void add(const std::string& name, Body body) {
  auto* b = benchmark::RegisterBenchmark(name.c_str(),
                                         [body](benchmark::State& st) {
                                           if (single_calls()) body();  // warm-up
                                           for (auto _ : st) {
                                             body();
                                             benchmark::ClobberMemory();
                                           }
                                         });
  b->UseRealTime()->Unit(benchmark::kMillisecond);
  if (single_calls()) b->Iterations(1);
}

// Keeps every benchmark's buffers alive for the whole run.
std::vector<std::shared_ptr<void>> keep;

template <class T>
std::shared_ptr<T> hold(std::shared_ptr<T> p) {
  keep.push_back(p);
  return p;
}

void register_conv(const std::string& family, const std::string& name, ConvArgs a) {
  struct Bufs {
    Buf x, w, y, gy, gx, gw, ws;
    Bufs(const ConvArgs& a)
        : x(std::size_t(a.N) * a.H * a.W * a.Cin, 1),
          w(std::size_t(a.Cout) * a.KH * a.KW * (a.Cin / a.groups), 2),
          y(std::size_t(a.N) * a.Ho() * a.Wo() * a.Cout, 3),
          gy(std::size_t(a.N) * a.Ho() * a.Wo() * a.Cout, 4),
          gx(std::size_t(a.N) * a.H * a.W * a.Cin, 5),
          gw(std::size_t(a.Cout) * a.KH * a.KW * (a.Cin / a.groups), 6),
          ws(conv2d_workspace(a), 7) {}
  };
  auto b = hold(std::make_shared<Bufs>(a));
  auto fwd = [a, b] { cpu::conv2d_forward(a, b->x.get(), b->w.get(), b->y.get(), b->ws.get()); };
  auto bwd_data = [a, b] { cpu::conv2d_backward_data(a, b->gy.get(), b->w.get(), b->gx.get(), b->ws.get()); };
  auto bwd_weight = [a, b] {
    cpu::conv2d_backward_weight(a, b->x.get(), b->gy.get(), b->gw.get(), b->ws.get());
  };
  add(family + "/fwd/" + name, fwd);
  add(family + "/bwd_data/" + name, bwd_data);
  add(family + "/bwd_weight/" + name, bwd_weight);
  add(family + "/total/" + name, [=] {
    fwd();
    bwd_data();
    bwd_weight();
  });
}

void register_depthwise(const std::string& name, DwConvArgs a) {
  struct Bufs {
    Buf x, w, y, gy, gx, gw;
    Bufs(const DwConvArgs& a)
        : x(std::size_t(a.N) * a.H * a.W * a.C, 1),
          w(std::size_t(a.K) * a.K * a.C, 2),
          y(std::size_t(a.N) * a.Ho() * a.Wo() * a.C, 3),
          gy(std::size_t(a.N) * a.Ho() * a.Wo() * a.C, 4),
          gx(std::size_t(a.N) * a.H * a.W * a.C, 5),
          gw(std::size_t(a.K) * a.K * a.C, 6) {}
  };
  auto b = hold(std::make_shared<Bufs>(a));
  auto fwd = [a, b] { cpu::depthwise_forward(a, b->x.get(), b->w.get(), b->y.get()); };
  auto bwd_data = [a, b] { cpu::depthwise_backward_data(a, b->gy.get(), b->w.get(), b->gx.get()); };
  auto bwd_weight = [a, b] { cpu::depthwise_backward_weight(a, b->x.get(), b->gy.get(), b->gw.get()); };
  add("dw/fwd/" + name, fwd);
  add("dw/bwd_data/" + name, bwd_data);
  add("dw/bwd_weight/" + name, bwd_weight);
  add("dw/total/" + name, [=] {
    fwd();
    bwd_data();
    bwd_weight();
  });
}

void register_batchnorm(const std::string& name, BnArgs a) {
  struct Bufs {
    Buf x, g, be, y, mean, invstd, gy, gx, gg, gb;
    Bufs(const BnArgs& a)
        : x(a.M * a.C, 1), g(a.C, 2), be(a.C, 3), y(a.M * a.C, 4), mean(a.C, 5), invstd(a.C, 6),
          gy(a.M * a.C, 7), gx(a.M * a.C, 8), gg(a.C, 9), gb(a.C, 10) {}
  };
  auto b = hold(std::make_shared<Bufs>(a));
  auto fwd = [a, b] {
    cpu::batchnorm_forward_train(a, b->x.get(), b->g.get(), b->be.get(), b->y.get(), b->mean.get(),
                                 b->invstd.get());
  };
  auto bwd = [a, b] {
    cpu::batchnorm_backward(a, b->x.get(), b->gy.get(), b->g.get(), b->mean.get(), b->invstd.get(),
                            b->gx.get(), b->gg.get(), b->gb.get());
  };
  fwd();  // valid statistics for the backward-only benchmark
  add("bn/fwd_train/" + name, fwd);
  add("bn/bwd/" + name, bwd);
  add("bn/total/" + name, [=] {
    fwd();
    bwd();
  });
}

void register_hswish(const std::string& name, int64_t n) {
  struct Bufs {
    Buf x, y, gy, gx;
    explicit Bufs(int64_t n) : x(n, 1), y(n, 2), gy(n, 3), gx(n, 4) {}
  };
  auto b = hold(std::make_shared<Bufs>(n));
  add("hswish/fwd/" + name, [n, b] { cpu::act_forward(Act::HSwish, b->x.get(), b->y.get(), n); });
  add("hswish/bwd/" + name,
      [n, b] { cpu::act_backward(Act::HSwish, b->x.get(), b->gy.get(), b->gx.get(), n); });
}

void register_all() {
  const char* env = std::getenv("IQNAS_KERNEL_SHAPES");
  const std::string path = env && *env ? env : IQNAS_KERNEL_SHAPES;
  std::ifstream f(path);
  if (!f) throw std::runtime_error("bench_kernels: cannot open shape file " + path);
  const nlohmann::json j = nlohmann::json::parse(f);
  const int N = j.at("batch").get<int>();
  for (const auto& s : j.value("conv", nlohmann::json::array())) {
    ConvArgs a;
    a.N = N, a.H = s.at("H"), a.W = s.at("W"), a.Cin = s.at("cin"), a.Cout = s.at("cout");
    a.KH = a.KW = s.at("k"), a.stride = s.at("stride"), a.pad = a.KH / 2;
    register_conv("conv", s.at("name"), a);
  }
  for (const auto& s : j.at("pointwise")) {
    ConvArgs a;
    a.N = N, a.H = s.at("H"), a.W = s.at("W"), a.Cin = s.at("cin"), a.Cout = s.at("cout");
    register_conv("pw", s.at("name"), a);
  }
  for (const auto& s : j.at("depthwise")) {
    DwConvArgs a;
    a.N = N, a.H = s.at("H"), a.W = s.at("W"), a.C = s.at("C"), a.K = s.at("k"), a.stride = s.at("stride");
    a.pad = a.K / 2;
    register_depthwise(s.at("name"), a);
  }
  for (const auto& s : j.at("batchnorm")) {
    BnArgs a;
    a.M = int64_t(N) * s.at("H").get<int>() * s.at("W").get<int>(), a.C = s.at("C");
    register_batchnorm(s.at("name"), a);
  }
  for (const auto& s : j.at("hswish"))
    register_hswish(s.at("name"), int64_t(N) * s.at("H").get<int>() * s.at("W").get<int>() *
                                      s.at("C").get<int>());
  benchmark::AddCustomContext("omp_threads", std::to_string(omp_get_max_threads()));
  benchmark::AddCustomContext("shapes", path);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
