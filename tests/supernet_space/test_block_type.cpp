// The block-type registry: the space file's "block" field and the inverted residual's
// configurations, names and extremes as they were before the interface.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "supernet/arch.h"
#include "supernet/block_type.h"
#include "supernet/space.h"
#include "tests/refusal.h"

namespace iqnas {
namespace {

std::string tiny_text() {
  std::ifstream f(std::string(IQNAS_SOURCE_DIR) + "/supernet/spaces/tiny.json");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The tiny preset with a "block" field after its name.
std::string tiny_with_block(const std::string& value) {
  std::string t = tiny_text();
  const std::string name = "\"name\": \"tiny\",";
  const size_t pos = t.find(name);
  EXPECT_NE(pos, std::string::npos);
  if (pos != std::string::npos) t.insert(pos + name.size(), " \"block\": " + value + ",");
  return t;
}

TEST(BlockType, SpaceFieldPicksTheTypeAndRefusesUnknownNames) {
  EXPECT_EQ(find_space("tiny").block, "inverted_residual");  // the default
  const SearchSpace named = parse_space(tiny_with_block("\"inverted_residual\""), "named.json");
  EXPECT_EQ(std::string(named.block_type().name()), "inverted_residual");
  EXPECT_EQ(space_to_json(named), tiny_text());  // the default is not written

  EXPECT_REFUSED(parse_space(tiny_with_block("\"mbconv\""), "bad.json"),
                 "bad.json: block: unknown block type 'mbconv' (known: inverted_residual)");
  EXPECT_REFUSED(parse_space(tiny_with_block("3"), "bad.json"), "bad.json: ", "block");
  SearchSpace s = find_space("tiny");
  s.block = "fused";
  EXPECT_REFUSED(s.validate(), "block: unknown block type 'fused'");
  EXPECT_REFUSED(find_block_type("fused"), "unknown block type 'fused' (known: inverted_residual)");
}

TEST(BlockType, InvertedResidualKeepsItsConfigurationsAndNames) {
  EXPECT_EQ(block_type_names(), std::vector<std::string>{"inverted_residual"});
  const BlockType& type = find_block_type("inverted_residual");
  for (const std::string& preset : preset_names()) {
    const SearchSpace s = find_space(preset);
    ASSERT_EQ(&s.block_type(), &type);
    // The order of the IQP's options: expansion-major, then kernel, SE fastest.
    int i = 0;
    for (int e : s.expansions)
      for (int k : s.kernels)
        for (bool se : s.se) {
          const std::string name = "e" + std::to_string(e) + "_k" + std::to_string(k) + "_se" + (se ? "1" : "0");
          EXPECT_EQ(type.config_name(s, i), name) << preset;
          EXPECT_EQ(s.config_name(i), name) << preset;
          EXPECT_EQ(type.config_index(s, name), i) << preset;
          ++i;
        }
    EXPECT_EQ(type.num_configs(s), i) << preset;
    EXPECT_EQ(s.num_configs(), i) << preset;
    EXPECT_THROW(s.config_name(i), std::out_of_range);
  }
  const SearchSpace paper = find_space("paper");
  EXPECT_EQ(paper.config_name(type.heaviest_config(paper)), "e6_k5_se1");
  EXPECT_EQ(paper.config_name(type.lightest_config(paper)), "e3_k3_se0");
  SearchSpace only_on = paper;
  only_on.se = {true};
  EXPECT_EQ(only_on.config_name(type.lightest_config(only_on)), "e3_k3_se1");
  EXPECT_EQ(type.timm_block(paper, type.heaviest_config(paper), BlockShape{16, 24, 2, Act::ReLU}, "_nre"),
            "ir_r1_k5_s2_e6_c24_nre_se0.25");
  EXPECT_EQ(type.timm_block(paper, 0, BlockShape{24, 24, 1, Act::HSwish}, ""), "ir_r1_k3_s1_e3_c24");
}

}  // namespace
}  // namespace iqnas
