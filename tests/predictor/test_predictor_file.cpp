// load_predictor: the header (format, space, kind) read with the strict reader, dispatch through
// predictor_kinds(), and refusals that name the file.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "predictor/accuracy_predictor.h"
#include "predictor/contribution_predictor.h"
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

}  // namespace
}  // namespace iqnas::predictor
