#include "predictor/latency_measure.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <time.h>

#include <ctime>
#include <numeric>
#include <set>
#include <stdexcept>

#include "dist/shard.h"
#include "kernels/cache.h"
#include "nn/autograd.h"

namespace iqnas::predictor {

void MeasureOptions::validate() const {
  if (device == "cuda")
    throw std::invalid_argument(
        "--device cuda: the inference path of iqnas runs on the CPU only; measure a GPU table with "
        "bench/reference/lut_torch.py --device cuda and import it with `iqnas lut --import` (docs/latency.md)");
  if (device != "cpu") throw std::invalid_argument("--device must be cpu or cuda (got '" + device + "')");
  if (threads < 1 || threads > 1024) throw std::invalid_argument("--threads must be in [1, 1024]");
  if (batch < 1 || batch > 4096) throw std::invalid_argument("--batch must be in [1, 4096]");
  if (repeats < 1 || repeats > 1000000) throw std::invalid_argument("--repeats must be in [1, 1000000]");
  if (warmup < 0 || warmup > 100000) throw std::invalid_argument("--warmup must be in [0, 100000]");
  if (!(min_seconds >= 0 && min_seconds <= 86400)) throw std::invalid_argument("--min-seconds must be in [0, 86400]");
  if (clock != "auto" && clock != "cpu" && clock != "wall")
    throw std::invalid_argument("--clock must be auto, cpu or wall (got '" + clock + "')");
  if (clock == "cpu" && threads != 1)
    throw std::invalid_argument("--clock cpu measures one thread's CPU time: use it with --threads 1 only");
  if (!is_cache_state(cache)) throw std::invalid_argument("--cache must be cold or warm (got '" + cache + "')");
  if (cache == "cold" && !kCanEvictFromCaches)
    throw std::invalid_argument("--cache cold evicts weights with x86-64 or AArch64 instructions; use --cache warm on this CPU");
}

MeasureOptions MeasureOptions::of_table(const LatencyTable& t) {
  if (t.device != "cpu")
    throw std::invalid_argument("the table was measured on device '" + t.device +
                                "'; iqnas times networks with its CPU inference path, so this needs a table made by "
                                "`iqnas lut` on this machine");
  MeasureOptions o;
  o.device = t.device;
  o.threads = std::max(1, t.threads), o.batch = t.batch;
  o.clock = t.clock;
  o.cache = t.cache.empty() ? "cold" : t.cache;
  return o;
}

MeasureOptions MeasureOptions::of_table_for_networks(const LatencyTable& t) {
  MeasureOptions o = of_table(t);
  // A table's rounds now follow its duration (min_seconds), not the precision a network needs.
  o.repeats = std::clamp(t.repeats, 100, 200);
  o.warmup = std::max(t.warmup, 2);
  return o;
}

namespace {

LatencyStats stats_of(std::vector<double> v) {
  LatencyStats s;
  std::sort(v.begin(), v.end());
  auto q = [&](double p) {  // linear interpolation between order statistics
    const double x = p * double(v.size() - 1);
    const size_t i = size_t(x);
    return i + 1 < v.size() ? v[i] + (x - double(i)) * (v[i + 1] - v[i]) : v[i];
  };
  s.median_ms = q(0.5);
  s.iqr_ms = q(0.75) - q(0.25);
  s.mean_ms = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
  s.runs = int64_t(v.size());
  return s;
}

std::vector<float> random_input(const InferenceProgram& p, Rng& rng) {
  std::vector<float> x(size_t(p.input_floats() * p.batch()));
  for (float& v : x) v = static_cast<float>(rng.uniform());
  return x;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Random weights for timing, with BN statistics that keep activations of order one.
void randomise_bn(Module& m, Rng& rng) {
  for (auto& [name, t] : m.named_buffers())
    if (name.size() >= 11 && name.compare(name.size() - 11, 11, "running_var") == 0) {
      std::vector<float> v(size_t(t->numel()));
      for (float& x : v) x = static_cast<float>(rng.uniform(0.5, 1.5));
      t->copy_(Tensor::from_vector(t->shape(), v));
    } else if (name.size() >= 12 && name.compare(name.size() - 12, 12, "running_mean") == 0) {
      std::vector<float> v(size_t(t->numel()));
      for (float& x : v) x = static_cast<float>(rng.uniform(-0.1, 0.1));
      t->copy_(Tensor::from_vector(t->shape(), v));
    }
}

}  // namespace

std::vector<LatencyStats> time_interleaved(const std::vector<InferenceProgram*>& programs, const MeasureOptions& o,
                                           const Progress& progress) {
  o.validate();
  const int saved_threads = omp_get_max_threads();
  omp_set_num_threads(o.threads);
  Rng rng(o.seed);
  std::vector<std::vector<float>> inputs;
  for (auto* p : programs) inputs.push_back(random_input(*p, rng));
  volatile float sink = 0.f;  // keeps the runs from being optimised away
  for (int w = 0; w < o.warmup; ++w)
    for (size_t i = 0; i < programs.size(); ++i) sink = sink + programs[i]->run(inputs[i].data())[0];
  std::vector<std::vector<double>> ms(programs.size());
  std::vector<size_t> order(programs.size());
  std::iota(order.begin(), order.end(), size_t(0));
  const bool cpu_clock = o.resolved_clock() == "cpu";
  auto now_ms = [cpu_clock]() {
    timespec ts{};
    clock_gettime(cpu_clock ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) * 1e-6;
  };
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&start] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  constexpr int kMaxRounds = 1000000;
  int64_t rounds = o.repeats;  // grows with the projection while min_seconds is not reached
  const bool warm = o.cache == "warm";
  for (int r = 0; r < kMaxRounds && (r < o.repeats || seconds() < o.min_seconds); ++r) {
    util::shuffle(order, rng);
    for (size_t i : order) {
      if (warm) {
        sink = sink + programs[i]->run(inputs[i].data())[0];
      } else {
        // Inside a network a block's input and scratch buffers have just been used by the block
        // before it and are in cache; its weights, in a network too large to stay cached, are not.
        programs[i]->evict_weights();
        sink = sink + programs[i]->touch(inputs[i].data());
      }
      const double t0 = now_ms();
      sink = sink + programs[i]->run(inputs[i].data())[0];
      ms[i].push_back((now_ms() - t0) / programs[i]->batch());
    }
    if (o.min_seconds > 0) {
      const double per_round = seconds() / double(r + 1);
      rounds = std::max<int64_t>({rounds, int64_t(r + 1), int64_t(std::ceil(o.min_seconds / per_round))});
      rounds = std::min<int64_t>(rounds, kMaxRounds);
    }
    if (progress) progress(int64_t(r + 1) * int64_t(programs.size()), std::max<int64_t>(rounds, r + 1) * int64_t(programs.size()));
  }
  omp_set_num_threads(saved_threads);
  std::vector<LatencyStats> out;
  for (auto& v : ms) out.push_back(stats_of(std::move(v)));
  return out;
}

namespace {

// The programs of a table's entries: the blocks of `keys`, then the fixed part.
struct TablePrograms {
  std::vector<BlockKey> keys;
  std::vector<InferenceProgram> programs;
};
TablePrograms table_programs(const SearchSpace& s, const MeasureOptions& o, std::vector<BlockKey> keys) {
  NoGradGuard no_grad;
  Rng rng(o.seed);
  TablePrograms t;
  t.keys = std::move(keys);
  t.programs.reserve(t.keys.size() + 1);
  for (const BlockKey& k : t.keys) {
    const auto b = key_block(s, k, rng);
    randomise_bn(*b, rng);
    b->eval();
    t.programs.push_back(inference_block(*b, k.input_size, o.batch));
  }
  FixedParts fixed(s, rng);
  randomise_bn(fixed, rng);
  fixed.eval();
  t.programs.push_back(inference_fixed(s, fixed, o.batch));
  return t;
}

// The table from the entries' statistics (in table_programs order).
LatencyTable make_table(const SearchSpace& s, const MeasureOptions& o, const std::vector<BlockKey>& keys,
                        const std::vector<LatencyStats>& st) {
  LatencyTable t;
  t.space = s.name;
  t.device = o.device;
  t.cpu_model = cpu_model_name();
  t.batch = o.batch, t.threads = o.threads, t.warmup = o.warmup;
  // The rounds made (more than o.repeats with min_seconds; under mpirun the fewest of any rank).
  int64_t fewest = st.empty() ? int64_t(o.repeats) : st.front().runs;
  for (const LatencyStats& x : st) fewest = std::min(fewest, x.runs);
  t.repeats = int(fewest);
  t.clock = o.resolved_clock();
  t.cache = o.cache;
  t.date = utc_now();
  t.iqnas_version = iqnas_version();
  auto entry = [](const std::string& key, const LatencyStats& x) {
    return LatencyEntry{key, x.median_ms, x.mean_ms, x.iqr_ms};
  };
  for (size_t i = 0; i < keys.size(); ++i) t.blocks.push_back(entry(keys[i].str(), st[i]));
  t.fixed = entry("fixed", st[keys.size()]);
  return t;
}

// The keys of the blocks that archs[begin, end) run, in distinct_block_keys order: the entries their
// same-run prediction needs (the others would only lengthen every round).
std::vector<BlockKey> keys_used(const SearchSpace& s, const std::vector<Architecture>& archs, size_t begin, size_t end) {
  std::set<std::string> used;
  for (size_t i = begin; i < end; ++i)
    for (size_t st = 0; st < s.stages.size(); ++st)
      for (int b = 0; b < archs[i].depths[st]; ++b) used.insert(block_key(s, int(st), b, archs[i].blocks[st][size_t(b)]).str());
  std::vector<BlockKey> keys;
  for (BlockKey& k : distinct_block_keys(s))
    if (used.count(k.str())) keys.push_back(std::move(k));
  return keys;
}

std::vector<InferenceProgram> network_programs(const SearchSpace& s, const std::vector<Architecture>& archs,
                                               size_t begin, size_t end, int batch, Rng& rng) {
  NoGradGuard no_grad;
  std::vector<InferenceProgram> programs;
  for (size_t i = begin; i < end; ++i) {
    SubNetwork net(s, archs[i], rng);
    randomise_bn(net, rng);
    net.eval();
    programs.push_back(inference_network(s, net, batch));
  }
  return programs;
}

}  // namespace

LatencyTable measure_latency_table(const SearchSpace& s, const MeasureOptions& o, const Progress& progress,
                                   dist::Communicator& comm) {
  o.validate();
  TablePrograms tp = table_programs(s, o, distinct_block_keys(s));
  // Each rank times its contiguous share of the entries (interleaved among themselves); the shares,
  // gathered in rank order, are the table's entries in order.
  const dist::Range mine = dist::shard(static_cast<int64_t>(tp.programs.size()), comm.rank(), comm.size());
  std::vector<InferenceProgram*> ptrs;
  for (int64_t i = mine.begin; i < mine.end; ++i) ptrs.push_back(&tp.programs[size_t(i)]);
  const std::vector<LatencyStats> own = time_interleaved(ptrs, o, progress);
  std::vector<LatencyStats> all;
  for (const std::string& part : comm.allgather(std::string(reinterpret_cast<const char*>(own.data()),
                                                            own.size() * sizeof(LatencyStats)), "latency table entries")) {
    const auto* first = reinterpret_cast<const LatencyStats*>(part.data());
    all.insert(all.end(), first, first + part.size() / sizeof(LatencyStats));
  }
  return make_table(s, o, tp.keys, all);
}

std::vector<SameRunPoint> measure_same_run(const SearchSpace& s, const std::vector<Architecture>& archs,
                                           const MeasureOptions& o, const Progress& progress, int group) {
  o.validate();
  if (group < 1) throw std::invalid_argument("measure_same_run: group must be >= 1");
  Rng rng(o.seed + 1);
  std::vector<SameRunPoint> out;
  const int64_t total = int64_t(archs.size()) * o.repeats;
  for (size_t g0 = 0; g0 < archs.size(); g0 += size_t(group)) {
    const size_t g1 = std::min(archs.size(), g0 + size_t(group));
    for (size_t i = g0; i < g1; ++i) validate_arch(s, archs[i]);
    TablePrograms tp = table_programs(s, o, keys_used(s, archs, g0, g1));
    std::vector<InferenceProgram> nets = network_programs(s, archs, g0, g1, o.batch, rng);
    std::vector<InferenceProgram*> ptrs;
    for (auto& p : tp.programs) ptrs.push_back(&p);
    for (auto& p : nets) ptrs.push_back(&p);
    MeasureOptions og = o;
    og.seed = o.seed + g0;
    const int64_t done0 = int64_t(g0) * o.repeats, n = int64_t(g1 - g0);
    const auto st = time_interleaved(
        ptrs, og, progress ? Progress([&](int64_t d, int64_t all) { progress(done0 + d * n * o.repeats / all, total); })
                           : Progress());
    const LatencyTable t = make_table(s, o, tp.keys, st);
    for (size_t i = g0; i < g1; ++i)
      out.push_back({st[tp.programs.size() + (i - g0)], predicted_latency(t, s, archs[i])});
  }
  return out;
}

std::vector<LatencyStats> measure_networks_latency(const SearchSpace& s, const std::vector<Architecture>& archs,
                                                   const MeasureOptions& o, const Progress& progress, int group) {
  o.validate();
  if (group < 1) throw std::invalid_argument("measure_networks_latency: group must be >= 1");
  Rng rng(o.seed);
  std::vector<LatencyStats> out;
  const int64_t total = int64_t(archs.size()) * o.repeats;
  for (size_t g0 = 0; g0 < archs.size(); g0 += size_t(group)) {
    const size_t g1 = std::min(archs.size(), g0 + size_t(group));
    std::vector<InferenceProgram> programs = network_programs(s, archs, g0, g1, o.batch, rng);
    std::vector<InferenceProgram*> ptrs;
    for (auto& p : programs) ptrs.push_back(&p);
    MeasureOptions og = o;
    og.seed = o.seed + g0;
    const int64_t done0 = int64_t(g0) * o.repeats;
    const auto st = time_interleaved(ptrs, og, progress ? Progress([&](int64_t d, int64_t) { progress(done0 + d, total); })
                                                        : Progress());
    out.insert(out.end(), st.begin(), st.end());
  }
  return out;
}

}  // namespace iqnas::predictor
