// The latency lookup table of a search space on one device: one entry per distinct block (key:
// input size, in/out channels, stride, expansion, kernel, SE, activation; blocks 2.. of a stage
// share a key) and one for the fixed part (stem, stage 0, stage 6 and head, the 1x1 head conv
// included). Units are milliseconds per image. File format and protocol: docs/latency.md.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "supernet/arch.h"
#include "util/rng.h"

namespace iqnas {
class StaticModule;
}

namespace iqnas::predictor {

// The shape of one block of a space: what its latency depends on.
struct BlockKey {
  int input_size = 0, in = 0, out = 0, stride = 1;
  int config = 0;            // the configuration's index in the space
  std::string config_name;   // its name, the block type's (e.g. "e6_k5_se1")
  Act act = Act::ReLU;
  std::string str() const;  // e.g. "r112_i16_o24_s2_e6_k5_se1_relu"
  bool operator<(const BlockKey& o) const { return str() < o.str(); }
  bool operator==(const BlockKey& o) const { return str() == o.str(); }
};
BlockKey block_key(const SearchSpace& s, int stage, int block, int config);  // 0-based
// Every distinct key of the space, in stage, position (first, later), configuration order.
std::vector<BlockKey> distinct_block_keys(const SearchSpace& s);
// The block a key stands for (the space's block type's static module), weights drawn from rng: what
// a table entry times, what the resource rows count and what `iqnas lut --describe` prints.
std::shared_ptr<StaticModule> key_block(const SearchSpace& s, const BlockKey& k, util::Rng& rng);

struct LatencyEntry {
  std::string key;  // BlockKey::str(), or "fixed"
  double median_ms = 0, mean_ms = 0, iqr_ms = 0;  // per image; iqr: 75th - 25th percentile
};

// The cache states a table can be timed in (MeasureOptions::cache): "cold" or "warm".
inline bool is_cache_state(const std::string& s) { return s == "cold" || s == "warm"; }

struct LatencyTable {
  std::string space;
  std::string units = "ms/image";
  std::string device = "cpu", cpu_model, date, iqnas_version, source = "iqnas lut";
  std::string clock = "wall";  // "cpu" (thread CPU time) or "wall"; see MeasureOptions
  std::string cache;  // "cold" or "warm" (MeasureOptions::cache); empty: not recorded (imports, old tables)
  int batch = 1, threads = 1, repeats = 0, warmup = 0;
  LatencyEntry fixed;
  std::vector<LatencyEntry> blocks;
  // Linear correction fitted by `iqnas lut-check --apply-correction` (measured ~ slope * sum +
  // intercept over whole networks): every block entry is used times slope, the fixed part times
  // slope plus the intercept, which keeps the block-additive form. Identity by default.
  double slope = 1.0, intercept_ms = 0.0;
  int correction_networks = 0;  // how many networks it was fitted on (0: none)
  const LatencyEntry* find(const std::string& key) const;  // nullptr when absent
};

// Reads a table and checks it against `expected`: the same space name, units "ms/image", and an
// entry for every block key of the space. Errors name the file and the field or key.
LatencyTable load_latency_table(const std::string& path, const SearchSpace& expected);
LatencyTable parse_latency_table(const std::string& json_text, const std::string& source, const SearchSpace& expected);
// The space name a table file declares (to find the space before loading it properly).
std::string latency_table_space(const std::string& path);
std::string latency_table_to_json(const LatencyTable& t);
void save_latency_table(const LatencyTable& t, const std::string& path);  // temporary file, fsync, rename

// Latency of one block (0-based stage, block, configuration) and of the fixed part: the medians,
// with the table's correction applied.
double block_latency(const LatencyTable& t, const SearchSpace& s, int stage, int block, int config);
double fixed_latency(const LatencyTable& t);
// The table's prediction for an architecture: fixed part + the active blocks' entries.
double predicted_latency(const LatencyTable& t, const SearchSpace& s, const Architecture& a);

// CSV form for tables measured elsewhere (bench/reference/lut_*.py write it): a header line
//   key,input_size,in,out,stride,expansion,kernel,se,act,median_ms,mean_ms,iqr_ms
// then one row per block and one row with key "fixed" (shape columns empty). The metadata comes
// from the importer's options.
LatencyTable import_latency_csv(const std::string& path, const SearchSpace& s, LatencyTable meta);

std::string cpu_model_name();  // from /proc/cpuinfo, "unknown" when unreadable
std::string iqnas_version();

}  // namespace iqnas::predictor
