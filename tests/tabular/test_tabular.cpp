#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <sys/stat.h>

#include "util/rng.h"
#include "predictor/onehot_features.h"
#include "predictor/tabular_encoding.h"
#include "predictor/tabular_search.h"
#include "predictor/tabular_table.h"
#include "tests/refusal.h"

using namespace iqnas;
using namespace iqnas::predictor;
using iqnas::test::error_of;

namespace {

const std::string kNb201 = std::string(IQNAS_SHARED_DATA) + "/nasbench201/nb201_acc_lat.csv.gz";

std::vector<std::vector<int>> all_nb201() {
  std::vector<std::vector<int>> out;
  for (int k = 0; k < 15625; ++k) {
    std::vector<int> s(6);
    for (int g = 0, v = k; g < 6; ++g, v /= 5) s[static_cast<size_t>(g)] = v % 5;
    out.push_back(s);
  }
  return out;
}

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "tabular_" + std::to_string(::getpid()) + "_" + name;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A table of every NB201 cell with a planted bilinear accuracy and a positive bilinear cost.
TabularData planted_table(uint64_t seed) {
  const auto enc = nb201_encoding();
  const OneHotFeatures f(std::vector<int>(6, 5), OneHotFeatures::all_pairs(6));
  iqnas::util::Rng rng(seed);
  Eigen::VectorXd wa(f.size()), wc(f.size());
  for (int i = 0; i < f.size(); ++i) {
    wa[i] = rng.normal();
    wc[i] = i < f.num_options() ? 3 * rng.uniform(0.1, 1.0) : 0.3 * rng.uniform(0.1, 1.0);
  }
  TabularData d;
  d.groups = enc->groups();
  for (const auto& s : all_nb201()) {
    d.selection.push_back(s);
    d.arch.push_back(enc->decode(s));
    d.accuracy.push_back(f.predict(70.0, wa, s));
    d.cost.push_back(f.predict(1.0, wc, s));
  }
  return d;
}

double cost_quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

}  // namespace

TEST(Nb201Encoding, RoundTripsEveryCell) {
  const auto enc = nb201_encoding();
  ASSERT_EQ(enc->groups().size(), 6u);
  EXPECT_EQ(enc->groups()[2].name, "n2<-n1");
  std::set<std::string> strings;
  for (const auto& s : all_nb201()) {
    const std::string a = enc->decode(s);
    ASSERT_EQ(enc->encode(a), s) << a;
    strings.insert(a);
  }
  EXPECT_EQ(strings.size(), 15625u);
  EXPECT_EQ(enc->decode({3, 0, 1, 2, 4, 3}),
            "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_3x3~2|");
}

TEST(Nb201Encoding, EveryStringOfTheBenchmarkFile) {
  struct stat st{};
  if (stat(kNb201.c_str(), &st) != 0) GTEST_SKIP() << kNb201 << " is absent (shared data not available)";
  const CsvTable t = read_csv_table(kNb201);
  ASSERT_EQ(t.rows.size(), 15625u);
  const auto enc = nb201_encoding();
  const int a = t.column("arch");
  std::set<std::vector<int>> seen;
  for (const auto& r : t.rows) {
    const auto s = enc->encode(r[static_cast<size_t>(a)]);
    ASSERT_EQ(enc->decode(s), r[static_cast<size_t>(a)]);
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 15625u);  // the file holds every cell once
}

TEST(Nb201Encoding, RefusesMalformedStrings) {
  const auto enc = nb201_encoding();
  EXPECT_NE(error_of<std::exception>([&] { enc->encode("|none~0|+|none~0|none~1|"); }).find("3 nodes"), std::string::npos);
  EXPECT_NE(error_of<std::exception>([&] { enc->encode("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|"); }).find("unknown operation 'conv'"),
            std::string::npos);
  EXPECT_NE(error_of<std::exception>([&] { enc->encode("|none~0|+|none~1|none~0|+|none~0|none~1|none~2|"); }).find("~0"),
            std::string::npos);
  EXPECT_NE(error_of<std::exception>([&] { enc->encode("|none~0|+|none~0|+|none~0|none~1|none~2|"); }).find("needs 2 edges"),
            std::string::npos);
  EXPECT_THROW(enc->decode({0, 0, 0, 0, 0, 5}), std::invalid_argument);
}

TEST(TokenEncoding, VocabularyFromTheTable) {
  const auto enc = token_encoding({"a-x-1", "b-x-2", "a-y-1"});
  ASSERT_EQ(enc->groups().size(), 3u);
  EXPECT_EQ(enc->groups()[0].options, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(enc->encode("b-y-2"), (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(enc->decode({1, 1, 1}), "b-y-2");
  EXPECT_NE(error_of<std::exception>([&] { enc->encode("c-x-1"); }).find("token 'c' at position 1"), std::string::npos);
  EXPECT_THROW(token_encoding({"a-b", "a"}), std::invalid_argument);
  EXPECT_THROW(make_encoding("nope", {}), std::invalid_argument);
}

TEST(CsvTable, PlainAndGzipAndErrors) {
  const std::string text = "arch,acc,lat\n\"a-x\",1.5,2\n\nb-x,2.5,3\r\nb-y,oops,4\n";
  const std::string plain = temp_path("t.csv"), gz = temp_path("t.csv.gz");
  write_file(plain, text);
  gzFile f = gzopen(gz.c_str(), "wb");
  ASSERT_TRUE(f);
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  for (const auto& p : {plain, gz}) {
    const CsvTable t = read_csv_table(p);
    ASSERT_EQ(t.rows.size(), 3u);
    EXPECT_EQ(t.rows[0][0], "a-x");
    EXPECT_EQ(t.row_line[1], 4u);
    EXPECT_EQ(t.numbers("lat"), (std::vector<double>{2, 3, 4}));
    EXPECT_NE(error_of<std::exception>([&] { t.column("latency"); }).find("no column 'latency' (columns: arch, acc, lat)"),
              std::string::npos);
    const std::string e = error_of<std::exception>([&] { t.numbers("acc"); });
    EXPECT_NE(e.find("row 3 (line 5), column 'acc' expects a finite number, got 'oops'"), std::string::npos) << e;
    EXPECT_NE(e.find(p), std::string::npos);
    const auto enc = token_encoding({"a-x", "b-x", "b-y"});
    EXPECT_NE(error_of<std::exception>([&] { load_tabular(t, *nb201_encoding(), "arch", "lat", "lat"); }).find("row 1 (line 2), column 'arch'"),
              std::string::npos);
    EXPECT_NO_THROW(load_tabular(t, *enc, "arch", "lat", "lat"));
  }
  write_file(plain, "a,b\n1,2\n3\n");
  EXPECT_NE(error_of<std::exception>([&] { read_csv_table(plain); }).find("line 3 has 1 fields, the header has 2"), std::string::npos);
  write_file(plain, "a,b\n");
  EXPECT_NE(error_of<std::exception>([&] { read_csv_table(plain); }).find("no data rows"), std::string::npos);
  write_file(plain, "a,a\n1,2\n");
  EXPECT_NE(error_of<std::exception>([&] { read_csv_table(plain); }).find("'a' appears twice"), std::string::npos);
  write_file(plain, "arch,v\nq-w,1\nq-w,2\n");
  const CsvTable dup = read_csv_table(plain);
  EXPECT_NE(error_of<std::exception>([&] { load_tabular(dup, *token_encoding({"q-w"}), "arch", "v", "v"); }).find("same as row 1"),
            std::string::npos);
  EXPECT_NE(error_of<std::exception>([&] { read_csv_table(temp_path("absent.csv")); }).find("cannot open"), std::string::npos);
  std::remove(plain.c_str());
  std::remove(gz.c_str());
}

// Noise-free planted bilinear accuracy and cost over all 15,625 cells: 400 random samples
// determine both functions (265 free parameters), and the fitted program's optimum is the true
// optimum under the budget.
TEST(TabularSearch, PlantedBilinearTableGivesTheTrueOptimum) {
  const TabularData d = planted_table(7);
  for (double q : {0.2, 0.5}) {
    TabularOptions o;
    o.budget = cost_quantile(d.cost, q);
    o.samples = 400;
    o.mode = TabularOptions::Mode::Fit;
    o.margin = TabularOptions::Margin::None;
    o.floor_quantile = 0;  // the planted function is exactly bilinear: fit it as it is
    o.rank_quality = false;
    const TabularResult r = tabular_search(d, o);
    ASSERT_TRUE(r.feasible) << r.message;
    EXPECT_TRUE(r.meets_budget);
    EXPECT_EQ(r.row, r.best_row) << "q " << q;
    EXPECT_NEAR(r.regret, 0.0, 1e-12);
    EXPECT_NEAR(r.predicted_accuracy, r.true_accuracy, 1e-3);
    EXPECT_NEAR(r.predicted_cost, r.true_cost, 1e-3);
    EXPECT_EQ(r.measured, 400);
  }
}

// Active mode on the planted table with fewer samples than parameters still lands on a row that
// meets the budget, and the calibrated margin is reported.
TEST(TabularSearch, ActiveModeMeetsTheBudget) {
  const TabularData d = planted_table(8);
  TabularOptions o;
  o.budget = cost_quantile(d.cost, 0.3);
  o.samples = 60;
  o.floor_quantile = 0;
  const TabularResult r = tabular_search(d, o);
  ASSERT_TRUE(r.feasible) << r.message;
  EXPECT_TRUE(r.meets_budget);
  EXPECT_LE(r.true_cost, o.budget);
  EXPECT_EQ(r.measured, 60);
  EXPECT_GE(r.margin, 0.0);
  EXPECT_GE(r.regret, 0.0);
  EXPECT_GT(r.accuracy_fit.spearman, 0.2);  // the fit carries signal (60 samples, 405 features)
}

TEST(TabularSearch, InfeasibleBudgetAndBadOptions) {
  const TabularData d = planted_table(9);
  TabularOptions o;
  o.budget = -5.0;  // every planted cost is positive
  o.samples = 30;
  o.mode = TabularOptions::Mode::Fit;
  o.rank_quality = false;
  const TabularResult r = tabular_search(d, o);
  EXPECT_FALSE(r.feasible);
  EXPECT_NE(r.message.find("infeasible"), std::string::npos) << r.message;
  EXPECT_EQ(r.best_row, -1);
  o.samples = 5;
  EXPECT_THROW(tabular_search(d, o), std::invalid_argument);
  o.samples = 20000;
  EXPECT_THROW(tabular_search(d, o), std::invalid_argument);
}
