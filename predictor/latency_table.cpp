#include "predictor/latency_table.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "supernet/block_type.h"
#include "supernet/subnet.h"
#include "util/json_reader.h"
#include "util/number.h"
#include "util/text_file.h"

#ifndef IQNAS_VERSION
#define IQNAS_VERSION "unknown"
#endif

namespace iqnas::predictor {

using json = nlohmann::json;

std::string BlockKey::str() const {
  return "r" + std::to_string(input_size) + "_i" + std::to_string(in) + "_o" + std::to_string(out) + "_s" +
         std::to_string(stride) + "_" + config_name + "_" + act_name(act);
}

BlockKey block_key(const SearchSpace& s, int stage, int block, int config) {
  const StageSpec& st = s.stages.at(static_cast<size_t>(stage));
  if (block < 0 || block >= st.max_depth())
    throw std::out_of_range("block " + std::to_string(block + 1) + " of stage " + std::to_string(stage + 1) +
                            " is beyond its largest depth in space '" + s.name + "'");
  BlockKey k;
  const int r = s.stage_input_size(stage);
  k.input_size = block == 0 ? r : s.stage_input_size(stage + 1);
  k.in = block == 0 ? s.stage_in(stage) : st.out;
  k.out = st.out;
  k.stride = block == 0 ? st.stride : 1;
  k.config = config, k.config_name = s.config_name(config), k.act = st.act;
  return k;
}

std::shared_ptr<StaticModule> key_block(const SearchSpace& s, const BlockKey& k, Rng& rng) {
  return s.block_type().make_static(s, BlockShape{k.in, k.out, k.stride, k.act}, k.config, rng);
}

std::vector<BlockKey> distinct_block_keys(const SearchSpace& s) {
  std::vector<BlockKey> keys;
  std::set<std::string> seen;
  for (size_t i = 0; i < s.stages.size(); ++i)
    for (int b = 0; b < std::min(2, s.stages[i].max_depth()); ++b)
      for (int c = 0; c < s.num_configs(); ++c) {
        BlockKey k = block_key(s, int(i), b, c);
        if (seen.insert(k.str()).second) keys.push_back(k);
      }
  return keys;
}

const LatencyEntry* LatencyTable::find(const std::string& key) const {
  for (const auto& e : blocks)
    if (e.key == key) return &e;
  return nullptr;
}

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw std::runtime_error(source + ": " + what);
}

json entry_json(const LatencyEntry& e) {
  return json{{"median_ms", e.median_ms}, {"mean_ms", e.mean_ms}, {"iqr_ms", e.iqr_ms}};
}

LatencyEntry entry_from(const json& j, const std::string& path, const std::string& key, const std::string& source) {
  util::JsonObject r(j, path, source);
  LatencyEntry e;
  e.key = key;
  e.median_ms = r.get_number("median_ms", 0, 1e30);
  if (r.has("mean_ms")) e.mean_ms = r.get_number("mean_ms", 0, 1e30);
  if (r.has("iqr_ms")) e.iqr_ms = r.get_number("iqr_ms", 0, 1e30);
  r.finish();
  return e;
}

// Every key the space needs must be in the table.
void check_complete(const LatencyTable& t, const SearchSpace& s, const std::string& source) {
  for (const BlockKey& k : distinct_block_keys(s))
    if (!t.find(k.str()))
      util::json_fail(source, "no entry for block '" + k.str() + "' of space '" + s.name +
                       "' (a table measured for another space or another version of it?)");
}

}  // namespace

LatencyTable parse_latency_table(const std::string& text, const std::string& source, const SearchSpace& expected) {
  const json j = util::parse_json(text, source);
  util::JsonObject r(j, "", source);
  LatencyTable t;
  if (r.has("format") && r.get_string("format") != "iqnas-latency-table")
    r.fail("format is '" + r.get_string("format") + "', not 'iqnas-latency-table'");
  t.units = r.get_string("units");
  if (t.units != "ms/image")
    r.fail("units are '" + t.units + "'; iqnas tables are in 'ms/image' (convert per-batch or seconds first)");
  t.space = r.get_string("space");
  if (t.space != expected.name) r.fail("the table is for space '" + t.space + "', not '" + expected.name + "'");
  t.device = r.get_string("device");
  for (auto [key, field] : {std::pair{"cpu_model", &t.cpu_model}, {"date", &t.date}, {"iqnas_version", &t.iqnas_version},
                            {"source", &t.source}, {"clock", &t.clock}, {"cache", &t.cache}})
    if (r.has(key)) *field = r.get_string(key);
  if (t.clock != "cpu" && t.clock != "wall") r.fail("field 'clock' must be \"cpu\" or \"wall\", got '" + t.clock + "'");
  if (!t.cache.empty() && !is_cache_state(t.cache))
    r.fail("field 'cache' must be \"cold\" or \"warm\", got '" + t.cache + "'");
  t.batch = r.get_int("batch", 1, 1 << 20);
  t.threads = r.get_int("threads", 0, 1 << 20);
  t.repeats = r.get_int("repeats", 0, 1 << 30);
  if (r.has("warmup")) t.warmup = r.get_int("warmup", 0, 1 << 30);
  if (r.has("correction")) {
    util::JsonObject c(r.at("correction"), "correction", source);
    t.slope = c.get_number("slope", 1e-12, 1e12);
    t.intercept_ms = c.get_number("intercept_ms", -1e12, 1e12);
    if (c.has("networks")) t.correction_networks = c.get_int("networks", 0, 1 << 30);
    c.finish();
  }
  if (!r.has("fixed")) r.fail("missing field 'fixed' (the stem, stage 0, stage 6 and head entry)");
  t.fixed = entry_from(r.at("fixed"), "fixed", "fixed", source);
  if (!r.has("blocks") || !r.at("blocks").is_object()) r.fail("missing object 'blocks'");
  const json& blocks = r.at("blocks");
  for (auto it = blocks.begin(); it != blocks.end(); ++it)
    t.blocks.push_back(entry_from(*it, "blocks." + it.key(), it.key(), source));
  r.finish();
  check_complete(t, expected, source);
  return t;
}

LatencyTable load_latency_table(const std::string& path, const SearchSpace& expected) {
  return parse_latency_table(util::read_text_file(path, "the latency table"), path, expected);
}

// Only the space's name: the whole table is read (and checked) against that space afterwards.
std::string latency_table_space(const std::string& path) {
  const json j = util::parse_json(util::read_text_file(path, "the latency table"), path);
  util::JsonObject r(j, "", path);
  return r.get_string("space");
}

std::string latency_table_to_json(const LatencyTable& t) {
  json j;
  j["format"] = "iqnas-latency-table";
  j["space"] = t.space;
  j["units"] = t.units;
  j["device"] = t.device;
  j["cpu_model"] = t.cpu_model;
  j["batch"] = t.batch;
  j["threads"] = t.threads;
  j["clock"] = t.clock;
  if (!t.cache.empty()) j["cache"] = t.cache;
  j["repeats"] = t.repeats;
  j["warmup"] = t.warmup;
  j["date"] = t.date;
  j["iqnas_version"] = t.iqnas_version;
  j["source"] = t.source;
  j["fixed"] = entry_json(t.fixed);
  if (t.correction_networks > 0 || t.slope != 1.0 || t.intercept_ms != 0.0)
    j["correction"] = {{"slope", t.slope}, {"intercept_ms", t.intercept_ms}, {"networks", t.correction_networks}};
  json b = json::object();
  for (const auto& e : t.blocks) b[e.key] = entry_json(e);
  j["blocks"] = b;
  return j.dump(1) + "\n";
}

void save_latency_table(const LatencyTable& t, const std::string& path) {
  const std::string text = latency_table_to_json(t), tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw std::runtime_error(path + ": cannot write (is the folder there and writable?)");
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": writing the latency table failed");
  }
}

double block_latency(const LatencyTable& t, const SearchSpace& s, int stage, int block, int config) {
  const std::string key = block_key(s, stage, block, config).str();
  const LatencyEntry* e = t.find(key);
  if (!e) throw std::out_of_range("latency table of space '" + t.space + "' has no entry '" + key + "'");
  return t.slope * e->median_ms;
}

double fixed_latency(const LatencyTable& t) { return t.slope * t.fixed.median_ms + t.intercept_ms; }

double predicted_latency(const LatencyTable& t, const SearchSpace& s, const Architecture& a) {
  validate_arch(s, a);
  double v = fixed_latency(t);
  for (size_t i = 0; i < s.stages.size(); ++i)
    for (int b = 0; b < a.depths[i]; ++b) v += block_latency(t, s, int(i), b, a.blocks[i][size_t(b)]);
  return v;
}

LatencyTable import_latency_csv(const std::string& path, const SearchSpace& s, LatencyTable meta) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot open the CSV table");
  const std::string header = "key,input_size,in,out,stride,expansion,kernel,se,act,median_ms,mean_ms,iqr_ms";
  std::string line;
  if (!std::getline(f, line) || line.substr(0, header.size()) != header)
    fail(path, "the first line must be the header '" + header + "'");
  meta.space = s.name;
  meta.blocks.clear();
  bool have_fixed = false;
  for (int lineno = 2; std::getline(f, line); ++lineno) {
    if (line.empty()) continue;
    std::vector<std::string> cols;
    for (size_t start = 0;;) {  // keeps empty fields, trailing ones included
      const size_t comma = line.find(',', start);
      cols.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (!cols.empty() && !cols.back().empty() && cols.back().back() == '\r') cols.back().pop_back();
    if (cols.size() < 12) fail(path + ":" + std::to_string(lineno), "expected 12 columns");
    LatencyEntry e;
    e.key = cols[0];
    auto num = [&](size_t i, const char* name) {
      try {
        return parse_number(cols[i], std::string("column '") + name + "'");
      } catch (const std::invalid_argument& e) {
        fail(path + ":" + std::to_string(lineno), e.what());
      }
    };
    e.median_ms = std::max(0.0, num(9, "median_ms"));  // negative timer offsets are clamped
    e.mean_ms = cols[10].empty() ? e.median_ms : std::max(0.0, num(10, "mean_ms"));
    e.iqr_ms = cols[11].empty() ? 0.0 : std::max(0.0, num(11, "iqr_ms"));
    if (e.key == "fixed") {
      meta.fixed = e;
      have_fixed = true;
    } else {
      meta.blocks.push_back(e);
    }
  }
  if (!have_fixed) fail(path, "no row with key 'fixed'");
  check_complete(meta, s, path);
  return meta;
}

std::string cpu_model_name() {
  std::ifstream f("/proc/cpuinfo");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("model name", 0) == 0) {
      const size_t c = line.find(':');
      if (c != std::string::npos) return line.substr(line.find_first_not_of(' ', c + 1));
    }
  return "unknown";
}

std::string iqnas_version() { return IQNAS_VERSION; }

}  // namespace iqnas::predictor
