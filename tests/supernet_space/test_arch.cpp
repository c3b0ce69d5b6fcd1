// Architectures: validation, heaviest/smallest, JSON, one-hot encoding and timm arch_def strings.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include "supernet/arch.h"
#include "supernet/sampler.h"
#include "supernet/space.h"
#include "tests/refusal.h"

namespace iqnas {
namespace {

TEST(Arch, HeaviestAndSmallest) {
  SearchSpace s = find_space("paper");
  Architecture h = heaviest_arch(s), m = smallest_arch(s);
  EXPECT_EQ(h.depths, (std::vector<int>{4, 4, 4, 4, 4}));
  EXPECT_EQ(m.depths, (std::vector<int>{2, 2, 2, 2, 2}));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(h.blocks[i], std::vector<int>(4, s.config_index("e6_k5_se1")));
    EXPECT_EQ(m.blocks[i], std::vector<int>(2, s.config_index("e3_k3_se0")));
  }
  EXPECT_NO_THROW(validate_arch(s, h));
  EXPECT_NO_THROW(validate_arch(s, m));
  SearchSpace t = find_space("tiny");
  EXPECT_EQ(heaviest_arch(t).depths, (std::vector<int>{3, 3, 3, 3, 3}));
  EXPECT_EQ(smallest_arch(t).depths, (std::vector<int>{1, 1, 1, 1, 1}));
  EXPECT_EQ(t.config(heaviest_arch(t).blocks[0][0]).name(), "e4_k5_se1");
  EXPECT_EQ(t.config(smallest_arch(t).blocks[4][0]).name(), "e2_k3_se0");
}

TEST(Arch, ValidateErrors) {
  SearchSpace s = find_space("cifar");
  Architecture a = heaviest_arch(s);
  Architecture x = a;
  x.depths[2] = 5;
  x.blocks[2].push_back(0);
  EXPECT_REFUSED(validate_arch(s, x), "stages[2].depth 5", "[2, 3, 4]");
  x = a;
  x.blocks[1].pop_back();
  EXPECT_REFUSED(validate_arch(s, x), "stages[1] has 3 blocks but depth 4");
  x = a;
  x.blocks[4][3] = 12;
  EXPECT_REFUSED(validate_arch(s, x), "stages[4].blocks[3]", "index 12");
  x = a;
  x.blocks[0][0] = -1;
  EXPECT_REFUSED(validate_arch(s, x), "stages[0].blocks[0]", "index -1");
  x = a;
  x.depths.pop_back();
  EXPECT_REFUSED(validate_arch(s, x), "4 stage depths", "5 searched stages");
  x = a;
  x.blocks.pop_back();
  EXPECT_REFUSED(validate_arch(s, x), "block lists for 4 stages");
  EXPECT_REFUSED(arch_to_json(s, x), "block lists");
  EXPECT_REFUSED(encode_onehot(s, x), "block lists");
  EXPECT_REFUSED(timm_arch_def(s, x), "block lists");
}

TEST(ArchJson, Format) {
  SearchSpace s = find_space("tiny");
  Architecture a;
  a.depths = {1, 2, 3, 1, 2};
  a.blocks = {{0}, {1, 2}, {3, 4, 5}, {6}, {7, 0}};
  std::string j = arch_to_json(s, a);
  EXPECT_EQ(j,
            "{\n"
            "  \"space\": \"tiny\",\n"
            "  \"stages\": [\n"
            "    {\"depth\": 1, \"blocks\": [\"e2_k3_se0\"]},\n"
            "    {\"depth\": 2, \"blocks\": [\"e2_k3_se1\", \"e2_k5_se0\"]},\n"
            "    {\"depth\": 3, \"blocks\": [\"e2_k5_se1\", \"e4_k3_se0\", \"e4_k3_se1\"]},\n"
            "    {\"depth\": 1, \"blocks\": [\"e4_k5_se0\"]},\n"
            "    {\"depth\": 2, \"blocks\": [\"e4_k5_se1\", \"e2_k3_se0\"]}\n"
            "  ]\n"
            "}\n");
  EXPECT_EQ(arch_from_json(s, j, "a.json"), a);
}

TEST(ArchJson, RoundTripRandom) {
  Rng rng(7);
  for (const auto& name : preset_names()) {
    SearchSpace s = find_space(name);
    for (int i = 0; i < 200; ++i) {
      Architecture a = random_arch(s, rng);
      EXPECT_EQ(arch_from_json(s, arch_to_json(s, a), "rt"), a);
    }
    EXPECT_EQ(arch_from_json(s, arch_to_json(s, heaviest_arch(s)), "rt"), heaviest_arch(s));
  }
}

TEST(ArchJson, LoadFile) {
  SearchSpace s = find_space("paper");
  std::string path = ::testing::TempDir() + "arch_test.json";
  {
    std::ofstream f(path);
    f << arch_to_json(s, smallest_arch(s));
  }
  EXPECT_EQ(load_arch(s, path), smallest_arch(s));
  std::remove(path.c_str());
  EXPECT_EQ(test::error_of<std::runtime_error>([&] { load_arch(s, "/nonexistent/arch.json"); }),
            "/nonexistent/arch.json: cannot open the architecture file");
}

TEST(ArchJson, Errors) {
  SearchSpace s = find_space("tiny");
  auto parse = [&](const std::string& stages) {
    return arch_from_json(s, "{\"space\": \"tiny\", \"stages\": [" + stages + "]}", "arch.json");
  };
  const std::string ok1 = R"({"depth": 1, "blocks": ["e2_k3_se0"]})";
  auto five = [&](const std::string& third) { return ok1 + "," + ok1 + "," + third + "," + ok1 + "," + ok1; };
  EXPECT_NO_THROW(parse(five(ok1)));
  EXPECT_REFUSED(parse(five(R"({"depth": 4, "blocks": ["e2_k3_se0", "e2_k3_se0", "e2_k3_se0", "e2_k3_se0"]})")),
             "arch.json: ", "stages[2].depth 4", "[1, 2, 3]");
  EXPECT_REFUSED(parse(five(R"({"depth": 2, "blocks": ["e2_k3_se0"]})")), "stages[2].blocks has 1 entries but depth is 2");
  EXPECT_REFUSED(parse(five(R"({"depth": 1, "blocks": ["e6_k3_se0"]})")), "stages[2].blocks[0]",
             "unknown block configuration 'e6_k3_se0'", "e4_k5_se1");
  EXPECT_REFUSED(parse(five(R"({"depth": 1, "blocks": [3]})")), "stages[2].blocks[0] must be a string");
  EXPECT_REFUSED(parse(five(R"({"depth": "1", "blocks": ["e2_k3_se0"]})")), "stages[2].depth must be an integer");
  EXPECT_REFUSED(parse(five(R"({"depth": 1.0, "blocks": ["e2_k3_se0"]})")), "stages[2].depth must be an integer");
  EXPECT_REFUSED(parse(five(R"({"depth": 1, "blocks": "e2_k3_se0"})")), "stages[2].blocks must be an array");
  EXPECT_REFUSED(parse(five(R"({"blocks": ["e2_k3_se0"]})")), "missing required field 'stages[2].depth'");
  EXPECT_REFUSED(parse(five(R"({"depth": 1})")), "missing required field 'stages[2].blocks'");
  EXPECT_REFUSED(parse(five(R"({"depth": 1, "blocks": ["e2_k3_se0"], "width": 2})")), "unknown field 'stages[2].width'");
  EXPECT_REFUSED(parse(five("[]")), "stages[2] must be an object");
  EXPECT_REFUSED(parse(ok1), "stages has 1 entries", "5 searched stages");
  EXPECT_REFUSED(arch_from_json(s, arch_to_json(find_space("cifar"), heaviest_arch(find_space("cifar"))), "c.json"),
             "c.json: ", "space 'cifar'", "space 'tiny'");
  EXPECT_REFUSED(arch_from_json(s, "{\"stages\": []}", "a.json"), "missing required field 'space'");
  EXPECT_REFUSED(arch_from_json(s, "{\"space\": 3, \"stages\": []}", "a.json"), "space must be a string");
  EXPECT_REFUSED(arch_from_json(s, "{\"space\": \"tiny\"}", "a.json"), "missing required field 'stages'");
  EXPECT_REFUSED(arch_from_json(s, "{\"space\": \"tiny\", \"stages\": 3}", "a.json"), "stages must be an array");
  EXPECT_REFUSED(arch_from_json(s, "{\"space\": \"tiny\", \"stages\": [], \"x\": 1}", "a.json"), "unknown field 'x'");
  EXPECT_REFUSED(arch_from_json(s, "{\"space\": \"tiny\",", "a.json"), "a.json: invalid JSON");
  EXPECT_REFUSED(arch_from_json(s, "[]", "a.json"), "a.json: the top level must be an object");
}

TEST(OneHot, SizesAndLayout) {
  SearchSpace s = find_space("paper");
  OneHot v = encode_onehot(s, heaviest_arch(s));
  EXPECT_EQ(v.alpha.size(), 240u);  // 5 stages x 4 blocks x 12 configurations
  EXPECT_EQ(v.beta.size(), 15u);    // 5 stages x 3 depths
  // Stage 2, block 1 (0-based) in configuration 7 sits at (2 * 4 + 1) * 12 + 7; depth 3 of stage 4 at 4 * 3 + 1.
  Architecture a = smallest_arch(s);
  a.depths[4] = 3;
  a.blocks[4].push_back(0);
  a.blocks[2][1] = 7;
  OneHot w = encode_onehot(s, a);
  EXPECT_EQ(w.alpha[(2 * 4 + 1) * 12 + 7], 1.f);
  EXPECT_EQ(w.alpha[(2 * 4 + 1) * 12 + 0], 0.f);
  EXPECT_EQ(w.beta[4 * 3 + 1], 1.f);
  EXPECT_EQ(w.beta[0 * 3 + 0], 1.f);
  // Inactive blocks take configuration 0.
  EXPECT_EQ(w.alpha[(0 * 4 + 3) * 12 + 0], 1.f);
  SearchSpace t = find_space("tiny");
  OneHot tv = encode_onehot(t, smallest_arch(t));
  EXPECT_EQ(tv.alpha.size(), 5u * 3 * 8);
  EXPECT_EQ(tv.beta.size(), 15u);
}

TEST(OneHot, RoundTripRandomAndGroupSums) {
  Rng rng(11);
  for (const auto& name : preset_names()) {
    SearchSpace s = find_space(name);
    const int C = s.num_configs();
    for (int i = 0; i < 300; ++i) {
      Architecture a = random_arch(s, rng);
      OneHot v = encode_onehot(s, a);
      EXPECT_EQ(decode_onehot(s, v), a);
      size_t ao = 0, bo = 0;
      for (const auto& st : s.stages) {
        for (int b = 0; b < st.max_depth(); ++b) {
          float sum = 0;
          for (int c = 0; c < C; ++c) sum += v.alpha[ao + b * C + c];
          EXPECT_EQ(sum, 1.f);
        }
        float bs = 0;
        for (size_t d = 0; d < st.depths.size(); ++d) bs += v.beta[bo + d];
        EXPECT_EQ(bs, 1.f);
        ao += st.max_depth() * C;
        bo += st.depths.size();
      }
      EXPECT_EQ(ao, v.alpha.size());
      EXPECT_EQ(bo, v.beta.size());
    }
  }
}

TEST(OneHot, DecodeRefusesNonOneHot) {
  SearchSpace s = find_space("paper");
  Architecture a = heaviest_arch(s);  // every block active
  OneHot v = encode_onehot(s, a);
  OneHot x = v;
  x.alpha[(1 * 4 + 2) * 12 + 0] = 1.f;  // a second entry in stages[1].blocks[2]
  EXPECT_REFUSED(decode_onehot(s, x), "stages[1].blocks[2]", "more than one");
  x = v;
  x.alpha[(3 * 4 + 0) * 12 + 11] = 0.f;  // nothing set in stages[3].blocks[0]
  EXPECT_REFUSED(decode_onehot(s, x), "stages[3].blocks[0]", "no entry");
  x = v;
  x.alpha[(3 * 4 + 0) * 12 + 11] = 0.5f;
  x.alpha[(3 * 4 + 0) * 12 + 10] = 0.5f;
  EXPECT_REFUSED(decode_onehot(s, x), "stages[3].blocks[0]", "neither 0 nor 1");
  x = v;
  x.beta[0] = 1.f;  // two depths for stage 0
  EXPECT_REFUSED(decode_onehot(s, x), "beta of stages[0]");
  x = v;
  x.beta[14] = 0.f;
  EXPECT_REFUSED(decode_onehot(s, x), "beta of stages[4]", "no entry");
  x = v;
  x.beta[5] = std::nanf("");
  EXPECT_REFUSED(decode_onehot(s, x), "beta of stages[1]");
  x = v;
  x.alpha.pop_back();
  EXPECT_REFUSED(decode_onehot(s, x), "alpha has 239 entries", "240");
  x = v;
  x.beta.push_back(0.f);
  EXPECT_REFUSED(decode_onehot(s, x), "beta has 16 entries", "15");
  // Blocks beyond the chosen depth are ignored.
  OneHot y = encode_onehot(s, smallest_arch(s));
  for (int c = 0; c < 12; ++c) y.alpha[(0 * 4 + 3) * 12 + c] = 0.3f;
  EXPECT_EQ(decode_onehot(s, y), smallest_arch(s));
}

TEST(Timm, PaperHeaviestAndSmallest) {
  SearchSpace s = find_space("paper");
  using Def = std::vector<std::vector<std::string>>;
  const std::string r24 = "ir_r1_k5_s1_e6_c24_nre_se0.25", r40 = "ir_r1_k5_s1_e6_c40_nre_se0.25",
                    r80 = "ir_r1_k5_s1_e6_c80_se0.25", r112 = "ir_r1_k5_s1_e6_c112_se0.25",
                    r192 = "ir_r1_k5_s1_e6_c192_se0.25";
  Def heavy = {{"ds_r1_k3_s1_e1_c16_nre"},
               {"ir_r1_k5_s2_e6_c24_nre_se0.25", r24, r24, r24},
               {"ir_r1_k5_s2_e6_c40_nre_se0.25", r40, r40, r40},
               {"ir_r1_k5_s2_e6_c80_se0.25", r80, r80, r80},
               {r112, r112, r112, r112},
               {"ir_r1_k5_s2_e6_c192_se0.25", r192, r192, r192},
               {"cn_r1_k1_s1_c960"}};
  EXPECT_EQ(timm_arch_def(s, heaviest_arch(s)), heavy);
  Def small = {{"ds_r1_k3_s1_e1_c16_nre"},
               {"ir_r1_k3_s2_e3_c24_nre", "ir_r1_k3_s1_e3_c24_nre"},
               {"ir_r1_k3_s2_e3_c40_nre", "ir_r1_k3_s1_e3_c40_nre"},
               {"ir_r1_k3_s2_e3_c80", "ir_r1_k3_s1_e3_c80"},
               {"ir_r1_k3_s1_e3_c112", "ir_r1_k3_s1_e3_c112"},
               {"ir_r1_k3_s2_e3_c192", "ir_r1_k3_s1_e3_c192"},
               {"cn_r1_k1_s1_c960"}};
  EXPECT_EQ(timm_arch_def(s, smallest_arch(s)), small);
  EXPECT_EQ(timm_arch_def_python(s, smallest_arch(s)),
            "[\n"
            "    ['ds_r1_k3_s1_e1_c16_nre'],\n"
            "    ['ir_r1_k3_s2_e3_c24_nre', 'ir_r1_k3_s1_e3_c24_nre'],\n"
            "    ['ir_r1_k3_s2_e3_c40_nre', 'ir_r1_k3_s1_e3_c40_nre'],\n"
            "    ['ir_r1_k3_s2_e3_c80', 'ir_r1_k3_s1_e3_c80'],\n"
            "    ['ir_r1_k3_s1_e3_c112', 'ir_r1_k3_s1_e3_c112'],\n"
            "    ['ir_r1_k3_s2_e3_c192', 'ir_r1_k3_s1_e3_c192'],\n"
            "    ['cn_r1_k1_s1_c960'],\n"
            "]");
}

TEST(Timm, MixedBlocksAndUnsupportedActivation) {
  SearchSpace s = find_space("cifar");
  Architecture a = smallest_arch(s);
  a.blocks[1] = {s.config_index("e4_k5_se1"), s.config_index("e6_k3_se0")};
  auto def = timm_arch_def(s, a);
  ASSERT_EQ(def.size(), 7u);
  EXPECT_EQ(def[1], (std::vector<std::string>{"ir_r1_k3_s1_e3_c24_nre", "ir_r1_k3_s1_e3_c24_nre"}));
  EXPECT_EQ(def[2], (std::vector<std::string>{"ir_r1_k5_s2_e4_c40_nre_se0.25", "ir_r1_k3_s1_e6_c40_nre"}));
  SearchSpace x = s;
  x.stages[3].act = Act::Sigmoid;
  EXPECT_REFUSED(timm_arch_def(x, a), "stages[3]", "sigmoid");
}

}  // namespace
}  // namespace iqnas
