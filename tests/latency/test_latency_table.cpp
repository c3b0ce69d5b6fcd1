// Latency tables: measured for every block of a space, saved and loaded, refused for another space
// or without units, and turned into the latency row.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "predictor/encoding.h"
#include "predictor/latency_measure.h"
#include "predictor/resources.h"
#include "supernet/sampler.h"
#include "supernet/subnet.h"
#include "supernet/supernet.h"
#include "tests/refusal.h"

namespace iqnas::predictor {
namespace {

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "/" + name; }

LatencyTable quick_table(const SearchSpace& s) {
  MeasureOptions o;
  o.repeats = 3, o.warmup = 1;
  return measure_latency_table(s, o);
}

TEST(LatencyTable, KeysOfThePaperSpace) {
  const SearchSpace s = find_space("paper");
  // 5 stages x 2 positions x 12 configurations, as in the reference.
  EXPECT_EQ(distinct_block_keys(s).size(), 120u);
  EXPECT_EQ(block_key(s, 0, 0, s.num_configs() - 1).str(), "r112_i16_o24_s2_e6_k5_se1_relu");
  EXPECT_EQ(block_key(s, 0, 3, 0).str(), block_key(s, 0, 1, 0).str());  // blocks 2..4 share a key
  EXPECT_EQ(block_key(s, 2, 1, 0).str(), "r14_i80_o80_s1_e3_k3_se0_hswish");
}

TEST(LatencyTable, MeasureSaveLoadAndRow) {
  const SearchSpace s = find_space("tiny");
  int64_t last = 0;
  MeasureOptions o;
  o.repeats = 3, o.warmup = 1;
  const LatencyTable t = measure_latency_table(s, o, [&](int64_t d, int64_t total) {
    EXPECT_GT(d, last);
    EXPECT_LE(d, total);
    last = d;
  });
  EXPECT_EQ(t.blocks.size(), distinct_block_keys(s).size());
  EXPECT_GT(t.fixed.median_ms, 0.0);
  for (const auto& e : t.blocks) EXPECT_GT(e.median_ms, 0.0) << e.key;
  EXPECT_EQ(t.units, "ms/image");
  EXPECT_NE(t.cpu_model, "");

  const std::string path = temp_path("tiny_lut.json");
  save_latency_table(t, path);
  const LatencyTable r = load_latency_table(path, s);
  EXPECT_EQ(r.blocks.size(), t.blocks.size());
  EXPECT_DOUBLE_EQ(r.fixed.median_ms, t.fixed.median_ms);
  EXPECT_EQ(r.cpu_model, t.cpu_model);
  EXPECT_EQ(t.cache, "cold");  // the default protocol, recorded and read back
  EXPECT_EQ(r.cache, "cold");
  // Networks are checked in the table's state: its threads, batch, clock and cache.
  LatencyTable warm = r;
  warm.cache = "warm", warm.batch = 2;
  const MeasureOptions back = MeasureOptions::of_table(warm);
  EXPECT_EQ(back.cache, "warm");
  EXPECT_EQ(back.batch, 2);
  EXPECT_EQ(back.clock, r.clock);
  warm.cache = "";  // a table that does not say (an import, an older file): cold
  EXPECT_EQ(MeasureOptions::of_table(warm).cache, "cold");
  // Whole networks get 100-200 rounds, whatever the table's duration made of its count.
  LatencyTable many = r;
  many.repeats = 5000;
  EXPECT_EQ(MeasureOptions::of_table_for_networks(many).repeats, 200);
  many.repeats = 3;
  EXPECT_EQ(MeasureOptions::of_table_for_networks(many).repeats, 100);
  // An imported table (measured by another runtime or device) cannot be re-timed here: refused by
  // name, for measure, lut-check and search --fit-measured alike.
  LatencyTable imported = r;
  imported.device = "Titan RTX";
  try {
    (void)MeasureOptions::of_table_for_networks(imported);
    ADD_FAILURE() << "a table of another device was accepted for timing";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'Titan RTX'"), std::string::npos) << e.what();
  }

  // The latency row is the fixed entry plus the active blocks' entries.
  solver::Problem p;
  p.groups = space_groups(s);
  const solver::Expression row = resource_row(s, "latency_ms", &r);
  Rng rng(2);
  for (int i = 0; i < 20; ++i) {
    const Architecture a = random_arch(s, rng);
    double sum = fixed_latency(r);
    for (size_t st = 0; st < s.stages.size(); ++st)
      for (int b = 0; b < a.depths[st]; ++b) sum += block_latency(r, s, int(st), b, a.blocks[st][size_t(b)]);
    EXPECT_NEAR(p.value(row, arch_to_selection(s, a)), sum, 1e-9);
    EXPECT_NEAR(resource_value(s, a, "latency_ms", &r), sum, 1e-12);
  }
}

TEST(LatencyTable, CorrectionScalesEntriesAndShiftsTheFixedPart) {
  const SearchSpace s = find_space("tiny");
  LatencyTable t = quick_table(s);
  const double b = block_latency(t, s, 1, 0, 3), f = fixed_latency(t);
  t.slope = 0.8, t.intercept_ms = 0.05, t.correction_networks = 10;
  const std::string path = temp_path("tiny_lut_corrected.json");
  save_latency_table(t, path);
  const LatencyTable r = load_latency_table(path, s);
  EXPECT_DOUBLE_EQ(r.slope, 0.8);
  EXPECT_EQ(r.correction_networks, 10);
  EXPECT_NEAR(block_latency(r, s, 1, 0, 3), 0.8 * b, 1e-12);
  EXPECT_NEAR(fixed_latency(r), 0.8 * f + 0.05, 1e-12);
  // the row keeps the additive form: the corrected sum
  solver::Problem p;
  p.groups = space_groups(s);
  const Architecture a = heaviest_arch(s);
  double raw = f;
  for (size_t st = 0; st < s.stages.size(); ++st)
    for (int k = 0; k < a.depths[st]; ++k) raw += block_latency(t, s, int(st), k, a.blocks[st][size_t(k)]) / 0.8;
  EXPECT_NEAR(p.value(resource_row(s, "latency_ms", &r), arch_to_selection(s, a)), 0.8 * raw + 0.05, 1e-9);
}

std::string read(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void expect_refused(const std::string& text, const SearchSpace& s, const std::string& needle) {
  EXPECT_REFUSED(parse_latency_table(text, "bad.json", s), "bad.json: ", needle.c_str());
}

TEST(LatencyTable, RefusesAnotherSpaceMissingUnitsOrEntries) {
  const SearchSpace tiny = find_space("tiny"), cifar = find_space("cifar");
  const std::string path = temp_path("tiny_lut2.json");
  save_latency_table(quick_table(tiny), path);
  const std::string good = read(path);
  EXPECT_NO_THROW(parse_latency_table(good, "bad.json", tiny));
  expect_refused(good, cifar, "space 'tiny', not 'cifar'");
  std::string no_units = good;
  no_units.replace(no_units.find("\"units\""), std::string("\"units\": \"ms/image\"").size(), "\"unit\": \"ms/image\"");
  expect_refused(no_units, tiny, "units");
  std::string seconds = good;
  seconds.replace(seconds.find("ms/image"), 8, "s/image");
  expect_refused(seconds, tiny, "ms/image");
  const std::string key = distinct_block_keys(tiny).front().str();
  std::string missing = good;
  missing.replace(missing.find("\"" + key + "\""), key.size() + 2, "\"other\"");
  expect_refused(missing, tiny, key);
  std::string cache = good;
  cache.replace(cache.find("\"cache\": \"cold\""), std::string("\"cache\": \"cold\"").size(), "\"cache\": \"hot\"");
  expect_refused(cache, tiny, "'cache'");
  // a typo is an error, not an ignored field
  std::string typo = good;
  typo.replace(typo.find("\"warmup\""), 8, "\"warmpu\"");
  expect_refused(typo, tiny, "warmpu");
  std::string entry = good;
  entry.replace(entry.find("\"iqr_ms\""), 8, "\"iqr_sm\"");
  expect_refused(entry, tiny, "iqr_sm");
}

// The space's name alone (lut-check without --space), with the strict reader's messages.
TEST(LatencyTable, SpaceOfATableFile) {
  const std::string path = temp_path("space_of.json");
  save_latency_table(quick_table(find_space("tiny")), path);
  EXPECT_EQ(latency_table_space(path), "tiny");
  for (const auto& [text, needle] : {std::pair{"{\"units\": \"ms/image\"}", ": missing required field 'space'"},
                                     {"{\"space\": 3}", ": space must be a string, got an integer"},
                                     {"[1]", ": the top level must be an object"}, {"{\"space\": ", ": invalid JSON"}}) {
    std::ofstream(path) << text;
    const std::string message = path + needle;
    EXPECT_REFUSED(latency_table_space(path), message.c_str());
  }
  EXPECT_THROW(latency_table_space(path + ".absent"), std::runtime_error);
  std::remove(path.c_str());
}

TEST(LatencyTable, CsvImport) {
  const SearchSpace s = find_space("tiny");
  const LatencyTable t = quick_table(s);
  const std::string path = temp_path("tiny_lut.csv");
  {
    std::ofstream f(path);
    f << "key,input_size,in,out,stride,expansion,kernel,se,act,median_ms,mean_ms,iqr_ms\n";
    f << "fixed,,,,,,,,,0.5,0.6,0.01\n";
    for (const auto& e : t.blocks) f << e.key << ",0,0,0,0,0,0,0,relu," << e.median_ms << ",,\n";
  }
  LatencyTable meta;
  meta.device = "cpu", meta.source = "test";
  const LatencyTable r = import_latency_csv(path, s, meta);
  EXPECT_DOUBLE_EQ(r.fixed.median_ms, 0.5);
  EXPECT_EQ(r.blocks.size(), t.blocks.size());
  {
    std::ofstream f(path);
    f << "key,input_size,in,out,stride,expansion,kernel,se,act,median_ms,mean_ms,iqr_ms\nfixed,,,,,,,,,abc,,\n";
  }
  EXPECT_THROW(import_latency_csv(path, s, meta), std::runtime_error);
}

TEST(LatencyMeasure, OptionsAreChecked) {
  MeasureOptions o;
  o.device = "cuda";
  try {
    o.validate();
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("CPU only"), std::string::npos);
  }
  o.device = "cpu";
  o.threads = 0;
  EXPECT_THROW(o.validate(), std::invalid_argument);
  o.threads = 1, o.repeats = 0;
  EXPECT_THROW(o.validate(), std::invalid_argument);
  o.repeats = 1, o.cache = "hot";
  EXPECT_THROW(o.validate(), std::invalid_argument);
  o.cache = "warm";
  EXPECT_NO_THROW(o.validate());
  o.min_seconds = -1;
  EXPECT_THROW(o.validate(), std::invalid_argument);
  o.min_seconds = 1e6;
  EXPECT_THROW(o.validate(), std::invalid_argument);
}

// --min-seconds: the rounds go on until the time has passed, and the table records the rounds made.
TEST(LatencyMeasure, MinSecondsSpreadsTheRoundsOverTime) {
  const SearchSpace s = find_space("tiny");
  MeasureOptions o;
  o.repeats = 1, o.warmup = 0;
  EXPECT_EQ(measure_latency_table(s, o).repeats, 1);
  o.min_seconds = 0.3;
  const auto start = std::chrono::steady_clock::now();
  const LatencyTable t = measure_latency_table(s, o);
  EXPECT_GE(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 0.3);
  EXPECT_GT(t.repeats, 1);
}

// Both cache states time the same programs: a warm table of the tiny space has every entry, and
// evicting a program's weights changes nothing it computes.
TEST(LatencyMeasure, WarmTableAndEvictionLeaveResultsAlone) {
  const SearchSpace s = find_space("tiny");
  MeasureOptions o;
  o.repeats = 2, o.warmup = 0, o.cache = "warm";
  const LatencyTable t = measure_latency_table(s, o);
  EXPECT_EQ(t.cache, "warm");
  EXPECT_EQ(t.blocks.size(), distinct_block_keys(s).size());
  Rng rng(3);
  Supernet super(s, rng);
  auto net = extract_subnetwork(super, heaviest_arch(s));
  net->eval();
  InferenceProgram p = inference_network(s, *net, 1);
  std::vector<float> x(size_t(p.input_floats()), 0.25f);
  const float* y = p.run(x.data());
  const std::vector<float> before(y, y + p.output_floats());
  p.evict_weights();
  y = p.run(x.data());
  EXPECT_EQ(std::vector<float>(y, y + p.output_floats()), before);
}

// Same-run timing re-times, with each group, the entries its networks run: a group of the smallest
// network alone still predicts it (every entry it needs is there), and the heaviest network's
// entries sum to more.
TEST(LatencyMeasure, SameRunTimesTheEntriesOfEachGroup) {
  const SearchSpace s = find_space("tiny");
  MeasureOptions o;
  o.repeats = 3, o.warmup = 1;
  const std::vector<SameRunPoint> p = measure_same_run(s, {smallest_arch(s), heaviest_arch(s)}, o, {}, 1);
  ASSERT_EQ(p.size(), 2u);
  for (const SameRunPoint& x : p) {
    EXPECT_GT(x.measured.median_ms, 0.0);
    EXPECT_GT(x.predicted_ms, 0.0);
  }
  EXPECT_GT(p[1].predicted_ms, p[0].predicted_ms);
}

}  // namespace
}  // namespace iqnas::predictor
