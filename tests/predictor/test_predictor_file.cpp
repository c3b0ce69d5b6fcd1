// load_predictor: the header (format, space, kind) read with the strict reader, dispatch through
// predictor_kinds(), and refusals that name the file; every kind's body read with it too (a
// missing, mistyped or unknown field is named by its path).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "predictor/accuracy_predictor.h"
#include "predictor/contribution_predictor.h"
#include "predictor/contributions.h"
#include "predictor/fitted_predictors.h"
#include "supernet/sampler.h"
#include "supernet/space.h"
#include "tests/refusal.h"

namespace iqnas::predictor {
namespace {

std::string write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

TEST(PredictorFile, EveryKindReadsBackThroughTheTable) {
  const SearchSpace s = find_space("tiny");
  const std::string path = ::testing::TempDir() + "contributions.json";
  save_predictor(ContributionPredictor(s, ContributionPredictor::Variant::Paper), path);
  EXPECT_EQ(load_predictor(s, path)->kind(), "contributions");
  std::remove(path.c_str());
  EXPECT_EQ(predictor_kinds().size(), 3u);
}

TEST(PredictorFile, HeaderRefusalsNameTheFileAndTheField) {
  const SearchSpace s = find_space("tiny");
  const std::string other = write("p1.json", R"({"format": "iqnas-predictor-1", "space": "paper", "kind": "ridge"})");
  EXPECT_REFUSED(load_predictor(s, other), other.c_str(), ": a predictor for space 'paper', not 'tiny'");
  const std::string kind = write("p2.json", R"({"format": "iqnas-predictor-1", "space": "tiny", "kind": "gbdt"})");
  EXPECT_REFUSED(load_predictor(s, kind), kind.c_str(), ": unknown predictor kind 'gbdt' (known: contributions, ridge, mlp)");
  const std::string format = write("p3.json", R"({"format": "iqnas-predictor-0", "space": "tiny", "kind": "ridge"})");
  EXPECT_REFUSED(load_predictor(s, format), format.c_str(), ": not an iqnas predictor file");
  const std::string typed = write("p4.json", R"({"format": "iqnas-predictor-1", "space": 7, "kind": "ridge"})");
  EXPECT_REFUSED(load_predictor(s, typed), typed.c_str(), ": space must be a string, got an integer");
  const std::string broken = write("p5.json", "{\"format\": ");
  EXPECT_REFUSED(load_predictor(s, broken), broken.c_str(), ": invalid JSON");
  EXPECT_EQ(test::error_of<std::runtime_error>([&] { load_predictor(s, "/nonexistent/p.json"); }),
            "/nonexistent/p.json: cannot open the predictor file");
  for (const auto& p : {other, kind, format, typed, broken}) std::remove(p.c_str());
}

// The document `text` with `change` applied to its JSON.
template <class F>
std::string corrupted(const std::string& text, F&& change) {
  nlohmann::json j = nlohmann::json::parse(text);
  change(j);
  return j.dump();
}

std::vector<SubnetSample> tiny_samples(const SearchSpace& s) {
  std::vector<SubnetSample> v;
  int i = 0;
  for (const Architecture& a : draw_architectures(s, 40, 7)) v.push_back({a, 70.0 + (i++ % 5), -1});
  return v;
}

TEST(PredictorFile, ContributionsBodyRefusalsNameTheField) {
  const SearchSpace s = find_space("tiny");
  const std::string doc = ContributionPredictor(s, ContributionPredictor::Variant::Paper).to_json();
  auto read = [&](const std::string& text) { return ContributionPredictor::from_json(s, text, "c.json"); };
  EXPECT_NO_THROW(read(doc));
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["base"].erase("se"); })), "c.json: missing required field 'base.se'");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["blocks"][3]["delta"] = "x"; })), "c.json: blocks[3].delta must be a number");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["depths"][0]["sigma"] = 1; })), "c.json: unknown field 'depths[0].sigma'");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["blocks"][0]["stage"] = 9; })), "c.json: blocks[0].stage must be in [1, ");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["variant"] = "mean"; })), "c.json: variant: ");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["kind"] = "ridge"; })), "c.json: a predictor of kind 'ridge', not 'contributions'");
}

TEST(PredictorFile, RidgeBodyRefusalsNameTheField) {
  const SearchSpace s = find_space("tiny");
  const std::string doc = RidgePredictor::fit(s, RidgePredictor::Form::Bilinear, tiny_samples(s)).to_json();
  auto read = [&](const std::string& text) { return RidgePredictor::from_json(s, text, "r.json"); };
  EXPECT_NO_THROW(read(doc));
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j.erase("lambda"); })), "r.json: missing required field 'lambda'");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["weights"][2] = "a"; })), "r.json: weights[2] must be a number");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["lamda"] = 1.0; })), "r.json: unknown field 'lamda'");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["form"] = "cubic"; })), "r.json: form: ");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["weights"].erase(0); })), "r.json: weights has ");
}

TEST(PredictorFile, MlpBodyRefusalsNameTheField) {
  const SearchSpace s = find_space("tiny");
  MlpOptions o;
  o.hidden = 4, o.layers = 1, o.epochs = 1;
  const std::string doc = MlpPredictor::fit(s, tiny_samples(s), o).to_json();
  auto read = [&](const std::string& text) { return MlpPredictor::from_json(s, text, "m.json"); };
  EXPECT_NO_THROW(read(doc));
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["layers"][1].erase("bias"); })), "m.json: missing required field 'layers[1].bias'");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["layers"][0]["cols"] = 3; })), "m.json: layers[0].cols must be in");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["layers"][0]["activation"] = "relu"; })),
                 "m.json: unknown field 'layers[0].activation'");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["y_scale"] = nullptr; })), "m.json: y_scale must be a number");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["layers"] = 1; })), "m.json: layers must be an array");
}

// The measurement state of `iqnas contrib` (not a predictor, the file its predictor is made from).
TEST(PredictorFile, ContributionStateRefusalsNameTheField) {
  ContribState st;
  st.space = "tiny", st.weights = "ema", st.options.passes = 2;
  st.ids = {"base", "s1.b1.e2_k3_se0"}, st.accuracy = {{80.0, 81.0}, {79.0, 79.5}};
  const std::string doc = contrib_state_to_json(st);
  auto read = [&](const std::string& text) { return contrib_state_from_json(text, "s.json"); };
  EXPECT_EQ(read(doc).accuracy[1][1], 79.5);
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["measurements"][1]["accuracy"] = {1.0}; })),
                 "s.json: measurements[1].accuracy has 1 passes, options say 2");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["measurements"][0].erase("id"); })),
                 "s.json: missing required field 'measurements[0].id'");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["options"]["pases"] = 2; })), "s.json: unknown field 'options.pases'");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["options"]["context"] = "random"; })), "s.json: options.context: ");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["options"]["passes"] = 0; })), "s.json: options: passes must be in [1, 1000]");
  EXPECT_REFUSED(read(corrupted(doc, [](auto& j) { j["images"] = "ten"; })), "s.json: images must be an integer");
}

}  // namespace
}  // namespace iqnas::predictor
