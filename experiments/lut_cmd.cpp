// `iqnas lut`: measures the latency lookup table of a search space on this machine (every distinct
// block and the fixed part, interleaved repeats), or imports one measured elsewhere (CSV).
#include <cstdio>

#include "dist/communicator.h"
#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/output.h"
#include <nlohmann/json.hpp>

#include "nn/autograd.h"
#include "predictor/latency_measure.h"
#include "supernet/static_block.h"
#include "util/progress.h"

namespace iqnas::cli {
namespace {

const char* kHelp = R"(usage: iqnas lut --space NAME|FILE --out T.json [--device cpu|cuda] [--threads N] [--batch B]
                 [--repeats R] [--min-seconds S] [--warmup W] [--seed S] [--json] [--quiet]
       iqnas lut --space NAME|FILE --describe [--arch heaviest|smallest|FILE]
       iqnas lut --space NAME|FILE --out T.json --import CSV --device NAME [--threads N] [--batch B]
                 [--repeats R] [--cpu-model TEXT] [--source TEXT]

Measures every distinct block of the space (key: input size, in/out channels, stride, expansion,
kernel, SE, activation) and the fixed part (stem, stage 0, stage 6, head) with the BN-folded
inference path: W untimed runs of each, then R rounds in which every entry runs once in a shuffled
order. Stores median, mean and interquartile range in ms per image (docs/latency.md).

  --device cpu|cuda   cpu (default); cuda is refused: the inference path runs on the CPU
  --threads N         OpenMP threads (default 1)
  --batch B           images per forward (default 1); times are divided by B
  --repeats R         timed rounds (default 50)
  --min-seconds S     and more rounds until S seconds have passed (default 20, 0: exactly R): a
                      shared machine has slow moments of a few seconds, which a table timed in a
                      few seconds can fall into; spread over 20 s they stay a minority of the rounds
  --clock auto|cpu|wall  cpu: the thread's CPU time, immune to other processes on a shared machine
                      (one thread only); wall: elapsed time; auto (default): cpu for 1 thread
  --cache cold|warm   cold (default): the last-level cache is evicted before every timed run and the
                      entry's input and buffers touched, so weights come from memory, as in a network
                      whose weights do not stay in cache between calls; warm: each timed run follows
                      an untimed one (a small network called over and over). lut-check times the
                      networks in the same state.
  --warmup W          untimed runs of every entry first (default 5)
  --describe          print (JSON) the fixed part and the table's blocks with their exact widths
                      (expanded and SE channels, read off the built blocks), or with --arch the
                      blocks of that network in order: what bench/reference builds in PyTorch
  --import CSV        convert a table measured elsewhere (bench/reference/lut_torch.py, lut_onnx.py)
                      to the JSON format; --device, --threads, --batch describe how it was measured
)";

// The fields of the inverted residual, the only block type (its PyTorch twin in bench/reference
// reads them).
nlohmann::json block_json(const SearchSpace& s, const predictor::BlockKey& k, StaticModule& m) {
  StaticBlock& b = dynamic_cast<StaticBlock&>(m);
  const InvertedResidualWeights w = b.weights();
  const BlockConfig c = s.config(k.config);
  return {{"key", k.str()},         {"input_size", k.input_size}, {"in", k.in},
          {"out", k.out},           {"stride", k.stride},         {"expansion", c.expansion},
          {"kernel", c.kernel},     {"se", c.se},                 {"act", act_name(k.act)},
          {"mid", w.expand_w.value().dim(0)}, {"se_hidden", w.se ? w.se_w1.value().dim(0) : 0},
          {"residual", b.residual}};
}

std::string describe(const SearchSpace& s, const std::string& arch) {
  NoGradGuard no_grad;
  Rng rng(0);
  nlohmann::json j;
  j["space"] = nlohmann::json::parse(space_to_json(s));
  nlohmann::json blocks = nlohmann::json::array();
  auto add = [&](const predictor::BlockKey& k) {
    blocks.push_back(block_json(s, k, *predictor::key_block(s, k, rng)));
  };
  if (arch.empty()) {
    for (const auto& k : predictor::distinct_block_keys(s)) add(k);
  } else {
    const Architecture a = arch == "heaviest" ? heaviest_arch(s) : arch == "smallest" ? smallest_arch(s) : load_arch(s, arch);
    for (size_t i = 0; i < s.stages.size(); ++i)
      for (int b = 0; b < a.depths[i]; ++b) add(predictor::block_key(s, int(i), b, a.blocks[i][size_t(b)]));
  }
  j["blocks"] = blocks;
  return j.dump(1);
}

int run_lut(const std::vector<std::string>& argv) {
  Args a(argv,
         {"space", "out", "device", "threads", "batch", "repeats", "min-seconds", "warmup", "seed", "import", "cpu-model", "clock", "cache",
          "arch", "source"},
         Output::flags({"describe"}));
  if (a.help()) {
    std::printf("%s%s", kHelp, Output::kHelp);
    return 0;
  }
  const Output msg(a);
  const SearchSpace s = find_space(a.str("space"));
  if (a.has("describe")) {  // the description is the result: printed whatever --quiet says
    const std::string d = describe(s, a.has("arch") ? a.str("arch") : "");
    if (msg.json())
      msg.result({{"describe", nlohmann::ordered_json::parse(d)}});
    else
      std::printf("%s\n", d.c_str());
    return 0;
  }
  const std::string out = a.str("out");
  auto int_opt = [&](const char* name, int64_t fallback, int64_t lo, int64_t hi) {
    return int(a.integer(name, fallback, lo, hi));
  };
  if (a.has("import")) {
    predictor::LatencyTable meta;
    meta.device = a.str("device");
    meta.threads = int_opt("threads", 1, 0, 1024);
    meta.batch = int_opt("batch", 1, 1, 4096);
    meta.repeats = int_opt("repeats", 0, 0, 1000000);
    meta.cpu_model = a.str("cpu-model", "");
    meta.source = a.str("source", "import of " + a.str("import"));
    meta.clock = a.str("clock", "wall");
    meta.cache = a.str("cache", "");
    if (!meta.cache.empty() && !predictor::is_cache_state(meta.cache))
      throw UsageError("--cache must be cold or warm (got '" + meta.cache + "')");
    meta.iqnas_version = predictor::iqnas_version();
    const predictor::LatencyTable t = predictor::import_latency_csv(a.str("import"), s, meta);
    dist::write_by_rank0(dist::world(), "latency table", [&] { predictor::save_latency_table(t, out); });
    msg.text("imported %zu block entries and the fixed part of space '%s' into %s\n", t.blocks.size(), s.name.c_str(),
             out.c_str());
    msg.result({{"space", s.name}, {"imported", a.str("import")}, {"blocks", t.blocks.size()}, {"written", {out}}});
    return 0;
  }
  predictor::MeasureOptions o;
  o.device = a.str("device", "cpu");
  o.threads = int_opt("threads", 1, 1, 1024);
  o.batch = int_opt("batch", o.device == "cuda" ? 64 : 1, 1, 4096);
  o.repeats = int_opt("repeats", 50, 1, 1000000);
  o.warmup = int_opt("warmup", 5, 0, 100000);
  o.min_seconds = a.num("min-seconds", 20.0, 0.0, 86400.0);
  o.seed = uint64_t(a.integer("seed", 0, 0, int64_t(1) << 53));
  o.clock = a.str("clock", "auto");
  o.cache = a.str("cache", "cold");
  try {
    o.validate();
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  const size_t entries = predictor::distinct_block_keys(s).size() + 1;
  progress_note("lut: space '%s', %zu entries, %d warm-up + %d timed runs each (more until %g s), %d thread(s), batch %d\n",
                s.name.c_str(), entries, o.warmup, o.repeats, o.min_seconds, o.threads, o.batch);
  Progress progress("lut", 0);
  const predictor::LatencyTable t = predictor::measure_latency_table(s, o, [&](int64_t done, int64_t total) {
    progress.update(static_cast<size_t>(done), static_cast<size_t>(total), "timings");
  });
  progress.finish();
  dist::write_by_rank0(dist::world(), "latency table", [&] { predictor::save_latency_table(t, out); });
  double slowest = 0;
  for (const auto& e : t.blocks) slowest = std::max(slowest, e.median_ms);
  msg.text("wrote %s: %zu blocks, %d timed rounds, fixed part %.4f ms/image, slowest block %.4f ms/image (%s)\n",
           out.c_str(), t.blocks.size(), t.repeats, t.fixed.median_ms, slowest, t.cpu_model.c_str());
  msg.result({{"space", s.name},
              {"device", t.device},
              {"cpu_model", t.cpu_model},
              {"blocks", t.blocks.size()},
              {"fixed_ms", t.fixed.median_ms},
              {"slowest_block_ms", slowest},
              {"written", {out}}});
  return 0;
}

}  // namespace
IQNAS_COMMAND("lut", "measure (or import) the latency lookup table of a search space", run_lut);
}  // namespace iqnas::cli
