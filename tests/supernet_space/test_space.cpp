// Search-space presets, shapes, configuration enumeration, JSON round trip and the validation of
// malformed space files.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "supernet/arch.h"
#include "supernet/space.h"
#include "tests/refusal.h"
#include "tests/supernet_space/cost.h"

namespace iqnas::detail {
std::string preset_json(const std::string& name);  // defined in supernet/space.cpp
}

namespace iqnas {
namespace {

std::string preset_file(const std::string& name) {
  return std::string(IQNAS_SOURCE_DIR) + "/supernet/spaces/" + name + ".json";
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The error message of parse_space, or "" when it parses.
std::string parse_error(const std::string& text, const std::string& source = "bad.json") {
  return test::error_of([&] { parse_space(text, source); });
}

// The tiny preset with one unique substring replaced.
std::string tiny_with(const std::string& from, const std::string& to) {
  std::string t = read_file(preset_file("tiny"));
  size_t pos = t.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  EXPECT_EQ(t.find(from, pos + 1), std::string::npos) << "not unique: " << from;
  if (pos != std::string::npos) t.replace(pos, from.size(), to);
  return t;
}

#define EXPECT_ERROR(text, ...)                                         \
  do {                                                                  \
    std::string msg_ = parse_error(text);                               \
    EXPECT_FALSE(msg_.empty()) << "accepted";                           \
    EXPECT_EQ(msg_.rfind("bad.json: ", 0), 0u) << msg_;                 \
    for (const char* part_ : {__VA_ARGS__})                             \
      EXPECT_NE(msg_.find(part_), std::string::npos) << "'" << part_ << "' not in: " << msg_; \
  } while (0)

TEST(SpacePresets, PaperMatchesMethod) {
  SearchSpace s = find_space("paper");
  EXPECT_EQ(s.name, "paper");
  EXPECT_EQ(s.image_size, 224);
  EXPECT_EQ(s.in_channels, 3);
  EXPECT_EQ(s.num_classes, 1000);
  EXPECT_EQ(s.stem_out, 32);
  EXPECT_EQ(s.stem_kernel, 3);
  EXPECT_EQ(s.stem_stride, 2);
  EXPECT_EQ(s.stem_act, Act::HSwish);
  EXPECT_EQ(s.stage0_out, 16);
  EXPECT_EQ(s.stage0_kernel, 3);
  EXPECT_EQ(s.stage0_stride, 1);
  EXPECT_EQ(s.stage0_act, Act::ReLU);
  ASSERT_EQ(s.stages.size(), 5u);
  const int out[] = {24, 40, 80, 112, 192}, stride[] = {2, 2, 2, 1, 2};
  const Act act[] = {Act::ReLU, Act::ReLU, Act::HSwish, Act::HSwish, Act::HSwish};
  const int in_size[] = {112, 56, 28, 14, 14}, in_ch[] = {16, 24, 40, 80, 112};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(s.stages[i].out, out[i]);
    EXPECT_EQ(s.stages[i].stride, stride[i]);
    EXPECT_EQ(s.stages[i].act, act[i]);
    EXPECT_EQ(s.stages[i].depths, (std::vector<int>{2, 3, 4}));
    EXPECT_EQ(s.stages[i].max_depth(), 4);
    EXPECT_EQ(s.stage_input_size(i), in_size[i]) << i;
    EXPECT_EQ(s.stage_in(i), in_ch[i]) << i;
  }
  EXPECT_EQ(s.final_size(), 7);
  EXPECT_EQ(s.stage_in(5), 192);
  EXPECT_EQ(s.expansions, (std::vector<int>{3, 4, 6}));
  EXPECT_EQ(s.kernels, (std::vector<int>{3, 5}));
  EXPECT_EQ(s.se, (std::vector<bool>{false, true}));
  EXPECT_FLOAT_EQ(s.se_ratio, 0.25f);
  EXPECT_EQ(s.num_configs(), 12);
  EXPECT_EQ(s.max_expansion(), 6);
  EXPECT_EQ(s.last_conv_out, 960);
  EXPECT_EQ(s.last_act, Act::HSwish);
  EXPECT_EQ(s.head_out, 1280);
  EXPECT_FLOAT_EQ(s.dropout, 0.2f);

  // Number of networks: every stage independently picks a depth d and d configurations.
  long double n = 1;
  for (const auto& st : s.stages) {
    long double per_stage = 0;
    for (int d : st.depths) per_stage += std::pow(static_cast<long double>(s.num_configs()), d);
    EXPECT_EQ(per_stage, 12.0L * 12 + 12.0L * 12 * 12 + 12.0L * 12 * 12 * 12);  // 22608
    n *= per_stage;
  }
  EXPECT_EQ(n, std::pow(22608.0L, 5));
  EXPECT_GT(n, 5.8e21L);  // "about 6e21" (METHOD.md section 2)
  EXPECT_LT(n, 6.0e21L);

  // MobileNetV3-large-like heaviest network: a few hundred million MACs at 224x224.
  test::Cost c = test::network_cost(s, heaviest_arch(s));
  EXPECT_GT(c.macs, 300'000'000);
  EXPECT_LT(c.macs, 700'000'000);
}

TEST(SpacePresets, CifarShapes) {
  SearchSpace s = find_space("cifar");
  EXPECT_EQ(s.image_size, 32);
  EXPECT_EQ(s.in_channels, 3);
  EXPECT_EQ(s.num_classes, 10);
  EXPECT_EQ(s.stem_stride, 1);
  EXPECT_EQ(s.stage0_stride, 1);
  ASSERT_EQ(s.stages.size(), 5u);
  const int out[] = {24, 40, 80, 112, 192}, stride[] = {1, 2, 2, 1, 2}, in_size[] = {32, 32, 16, 8, 8};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(s.stages[i].out, out[i]);
    EXPECT_EQ(s.stages[i].stride, stride[i]);
    EXPECT_EQ(s.stage_input_size(i), in_size[i]);
  }
  EXPECT_EQ(s.final_size(), 4);
  EXPECT_EQ(s.num_configs(), 12);
  EXPECT_EQ(s.last_conv_out, 960);
  EXPECT_EQ(s.head_out, 1280);
}

TEST(SpacePresets, TinyIsSmallAndEndsAt4x4) {
  SearchSpace tiny = find_space("tiny");
  SearchSpace cifar = find_space("cifar");
  EXPECT_EQ(tiny.image_size, 28);
  EXPECT_EQ(tiny.in_channels, 1);
  EXPECT_EQ(tiny.num_classes, 10);
  ASSERT_EQ(tiny.stages.size(), 5u);
  const int in_size[] = {28, 14, 14, 7, 7};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(tiny.stage_input_size(i), in_size[i]);
  EXPECT_EQ(tiny.final_size(), 4);  // 7 -> 4 with stride 2
  EXPECT_EQ(tiny.num_configs(), 8);

  test::Cost t = test::network_cost(tiny, heaviest_arch(tiny));
  test::Cost c = test::network_cost(cifar, heaviest_arch(cifar));
  test::Cost ts = test::network_cost(tiny, smallest_arch(tiny));
  test::Cost cs = test::network_cost(cifar, smallest_arch(cifar));
  std::printf("heaviest MACs: tiny %lld, cifar %lld (%.1fx); params: tiny %lld, cifar %lld (%.1fx)\n",
              (long long)t.macs, (long long)c.macs, double(c.macs) / t.macs, (long long)t.params,
              (long long)c.params, double(c.params) / t.params);
  std::printf("smallest MACs: tiny %lld, cifar %lld; params: tiny %lld, cifar %lld\n", (long long)ts.macs,
              (long long)cs.macs, (long long)ts.params, (long long)cs.params);
  // "Tens of times cheaper" than the cifar heaviest network.
  EXPECT_GE(c.macs, 20 * t.macs);
  EXPECT_LT(t.macs, 10'000'000);
  // Accuracy measurements of the pipeline: 5 x (|configs| + |depths| + (max_depth - 1) |configs|).
  int measurements = 0;
  for (const auto& st : tiny.stages)
    measurements += tiny.num_configs() + static_cast<int>(st.depths.size()) + (st.max_depth() - 1) * tiny.num_configs();
  EXPECT_EQ(measurements, 5 * (8 + 3 + 16));
}

TEST(SpacePresets, FilesEqualBuiltIns) {
  for (const auto& name : preset_names()) {
    std::string file = read_file(preset_file(name));
    EXPECT_EQ(file, detail::preset_json(name)) << name;
    SearchSpace a = load_space(preset_file(name));
    SearchSpace b = parse_space(detail::preset_json(name), "built-in");
    EXPECT_EQ(space_to_json(a), space_to_json(b));
    EXPECT_EQ(a.name, name);
  }
  EXPECT_EQ(detail::preset_json("nope"), "");
  EXPECT_EQ(preset_names(), (std::vector<std::string>{"paper", "cifar", "tiny"}));
}

TEST(SpacePresets, FindSpaceByPathAndUnknownName) {
  std::string path = ::testing::TempDir() + "my_space.json";
  {
    std::ofstream f(path);
    f << tiny_with("\"name\": \"tiny\"", "\"name\": \"mine\"");
  }
  SearchSpace s = find_space(path);
  EXPECT_EQ(s.name, "mine");
  try {
    find_space("imagenet");
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("imagenet"), std::string::npos) << m;
    EXPECT_NE(m.find("paper, cifar, tiny"), std::string::npos) << m;
  }
  try {
    load_space("/nonexistent/space.json");
    FAIL() << "accepted";
  } catch (const std::runtime_error& e) {  // util::read_text_file's: the file, not its content
    EXPECT_EQ(std::string(e.what()), "/nonexistent/space.json: cannot open the space file");
  }
  std::remove(path.c_str());
}

TEST(SpaceJson, RoundTrip) {
  for (const auto& name : preset_names()) {
    SearchSpace a = find_space(name);
    std::string j = space_to_json(a);
    SearchSpace b = parse_space(j, "round-trip");
    EXPECT_EQ(space_to_json(b), j);
    EXPECT_EQ(b.name, a.name);
    EXPECT_EQ(b.stages.size(), a.stages.size());
    EXPECT_EQ(b.se_ratio, a.se_ratio);
    EXPECT_EQ(b.dropout, a.dropout);
    EXPECT_EQ(b.final_size(), a.final_size());
  }
  // Written in the layout of the preset files, floats in their shortest form.
  for (const auto& name : preset_names())
    EXPECT_EQ(space_to_json(find_space(name)), read_file(preset_file(name))) << name;
  std::string j = space_to_json(find_space("paper"));
  EXPECT_NE(j.find("\"dropout\": 0.2}"), std::string::npos) << j;
  EXPECT_NE(j.find("\"se_ratio\": 0.25, \"se_divisor\": 8}"), std::string::npos) << j;
  // Aliases of activation names are accepted and written canonically.
  SearchSpace h = parse_space(tiny_with("\"stem\": {\"out\": 8, \"kernel\": 3, \"stride\": 1, \"act\": \"hswish\"}",
                                        "\"stem\": {\"out\": 8, \"kernel\": 3, \"stride\": 1, \"act\": \"h-swish\"}"),
                              "alias");
  EXPECT_EQ(h.stem_act, Act::HSwish);
}

TEST(SpaceConfigs, EnumerationSeFastest) {
  SearchSpace s = find_space("paper");
  EXPECT_EQ(s.config(0).name(), "e3_k3_se0");
  EXPECT_EQ(s.config(1).name(), "e3_k3_se1");
  EXPECT_EQ(s.config(2).name(), "e3_k5_se0");
  EXPECT_EQ(s.config(4).name(), "e4_k3_se0");
  EXPECT_EQ(s.config(11).name(), "e6_k5_se1");
  for (int i = 0; i < s.num_configs(); ++i) {
    EXPECT_EQ(s.config_index(s.config(i)), i);
    EXPECT_EQ(s.config_index(s.config(i).name()), i);
  }
  EXPECT_THROW(s.config(-1), std::out_of_range);
  EXPECT_THROW(s.config(12), std::out_of_range);
  EXPECT_EQ(s.config_index(BlockConfig{5, 3, false}), -1);
  EXPECT_EQ(s.config_index(BlockConfig{6, 7, true}), -1);
  for (const char* bad : {"", "e6", "e6_k5", "e6_k5_se2", "e6_k5_se1x", "e06_k5_se1", "e5_k5_se1", "E6_k5_se1",
                          "e6_k5_se", "e-6_k5_se1", "e6_k05_se1", " e6_k5_se1", "e99999999999_k5_se1"})
    EXPECT_EQ(s.config_index(std::string(bad)), -1) << bad;
  SearchSpace only_on = s;
  only_on.se = {true};
  EXPECT_EQ(only_on.num_configs(), 6);
  EXPECT_EQ(only_on.config(0).name(), "e3_k3_se1");
  EXPECT_EQ(only_on.config_index("e3_k3_se0"), -1);
  EXPECT_THROW(s.stage_in(6), std::out_of_range);
  EXPECT_THROW(s.stage_input_size(-1), std::out_of_range);
}

TEST(SpaceValidation, MalformedFiles) {
  EXPECT_EQ(parse_error(tiny_with("\"name\": \"tiny\"", "\"name\": \"tiny\"")), "");
  // Activations.
  EXPECT_ERROR(tiny_with("{\"out\": 24, \"stride\": 2, \"act\": \"hswish\"", "{\"out\": 24, \"stride\": 2, \"act\": \"swish\""),
               "stages[2].act", "unknown activation 'swish'");
  EXPECT_ERROR(tiny_with("\"last_conv\": {\"out\": 128, \"act\": \"hswish\"}", "\"last_conv\": {\"out\": 128, \"act\": \"gelu\"}"),
               "last_conv.act", "'gelu'");
  // Strides.
  EXPECT_ERROR(tiny_with("{\"out\": 16, \"stride\": 1", "{\"out\": 16, \"stride\": 3"), "stages[1].stride must be 1 or 2",
               "got 3");
  EXPECT_ERROR(tiny_with("\"kernel\": 3, \"stride\": 1, \"act\": \"hswish\"", "\"kernel\": 3, \"stride\": 0, \"act\": \"hswish\""),
               "stem.stride must be 1 or 2");
  EXPECT_ERROR(tiny_with("\"kernel\": 3, \"stride\": 1, \"act\": \"relu\"", "\"kernel\": 3, \"stride\": 4, \"act\": \"relu\""),
               "stage0.stride must be 1 or 2");
  // Depths.
  EXPECT_ERROR(tiny_with("{\"out\": 12, \"stride\": 2, \"act\": \"relu\", \"depths\": [1, 2, 3]}",
                         "{\"out\": 12, \"stride\": 2, \"act\": \"relu\", \"depths\": []}"),
               "stages[0].depths must not be empty");
  EXPECT_ERROR(tiny_with("{\"out\": 12, \"stride\": 2, \"act\": \"relu\", \"depths\": [1, 2, 3]}",
                         "{\"out\": 12, \"stride\": 2, \"act\": \"relu\", \"depths\": [2, 2, 3]}"),
               "stages[0].depths must be strictly increasing");
  EXPECT_ERROR(tiny_with("{\"out\": 40, \"stride\": 2, \"act\": \"hswish\", \"depths\": [1, 2, 3]}",
                         "{\"out\": 40, \"stride\": 2, \"act\": \"hswish\", \"depths\": [3, 2]}"),
               "stages[4].depths must be strictly increasing");
  EXPECT_ERROR(tiny_with("{\"out\": 12, \"stride\": 2, \"act\": \"relu\", \"depths\": [1, 2, 3]}",
                         "{\"out\": 12, \"stride\": 2, \"act\": \"relu\", \"depths\": [0, 1]}"),
               "stages[0].depths[0] must be at least 1");
  EXPECT_ERROR(tiny_with("{\"out\": 12, \"stride\": 2, \"act\": \"relu\", \"depths\": [1, 2, 3]}",
                         "{\"out\": 12, \"stride\": 2, \"act\": \"relu\", \"depths\": 3}"),
               "stages[0].depths must be an array");
  // Choices.
  EXPECT_ERROR(tiny_with("\"expansions\": [2, 4]", "\"expansions\": []"), "choices.expansions must not be empty");
  EXPECT_ERROR(tiny_with("\"kernels\": [3, 5]", "\"kernels\": []"), "choices.kernels must not be empty");
  EXPECT_ERROR(tiny_with("\"se\": [false, true]", "\"se\": []"), "choices.se must not be empty");
  EXPECT_ERROR(tiny_with("\"kernels\": [3, 5]", "\"kernels\": [3, 4]"), "choices.kernels[1] must be an odd kernel size");
  EXPECT_ERROR(tiny_with("\"kernels\": [3, 5]", "\"kernels\": [5, 3]"), "choices.kernels must be strictly increasing");
  EXPECT_ERROR(tiny_with("\"expansions\": [2, 4]", "\"expansions\": [0, 4]"), "choices.expansions[0] must be at least 1");
  EXPECT_ERROR(tiny_with("\"expansions\": [2, 4]", "\"expansions\": [4, 4]"), "choices.expansions must be strictly increasing");
  EXPECT_ERROR(tiny_with("\"se\": [false, true]", "\"se\": [true, false]"), "choices.se must be");
  EXPECT_ERROR(tiny_with("\"se\": [false, true]", "\"se\": [0, 1]"), "choices.se[0] must be true or false");
  EXPECT_ERROR(tiny_with("\"se_ratio\": 0.25", "\"se_ratio\": 0"), "choices.se_ratio must be in (0, 1]");
  EXPECT_ERROR(tiny_with("\"se_ratio\": 0.25", "\"se_ratio\": 1.5"), "choices.se_ratio must be in (0, 1]");
  EXPECT_ERROR(tiny_with("\"se_divisor\": 8", "\"se_divisor\": 0"), "choices.se_divisor must be at least 1");
  EXPECT_ERROR(tiny_with("\"se_divisor\": 8", "\"se_divisor\": 2.5"), "choices.se_divisor must be an integer");
  EXPECT_ERROR(tiny_with("\"se_ratio\": 0.25", "\"se_ratio\": \"0.25\""), "choices.se_ratio must be a number");
  // Kernels of the fixed layers.
  EXPECT_ERROR(tiny_with("\"out\": 8, \"kernel\": 3, \"stride\": 1, \"act\": \"hswish\"",
                         "\"out\": 8, \"kernel\": 2, \"stride\": 1, \"act\": \"hswish\""),
               "stem.kernel must be an odd kernel size");
  // Channels and sizes.
  EXPECT_ERROR(tiny_with("{\"out\": 32,", "{\"out\": 0,"), "stages[3].out must be at least 1");
  EXPECT_ERROR(tiny_with("\"out\": 8, \"kernel\": 3, \"stride\": 1, \"act\": \"relu\"",
                         "\"out\": -8, \"kernel\": 3, \"stride\": 1, \"act\": \"relu\""),
               "stage0.out must be at least 1");
  EXPECT_ERROR(tiny_with("\"head\": {\"out\": 256", "\"head\": {\"out\": 0"), "head.out must be at least 1");
  EXPECT_ERROR(tiny_with("\"last_conv\": {\"out\": 128", "\"last_conv\": {\"out\": 0"), "last_conv.out must be at least 1");
  EXPECT_ERROR(tiny_with("\"image_size\": 28", "\"image_size\": 0"), "image_size must be at least 1");
  EXPECT_ERROR(tiny_with("\"in_channels\": 1", "\"in_channels\": 0"), "in_channels must be at least 1");
  EXPECT_ERROR(tiny_with("\"num_classes\": 10", "\"num_classes\": 0"), "num_classes must be at least 1");
  // Huge but otherwise valid sizes are refused rather than overflowing the feature-map arithmetic
  // (image_size 2^31 - 1) or asking for gigabytes (depths of 100000).
  EXPECT_ERROR(tiny_with("\"image_size\": 28", "\"image_size\": 2147483647"), "image_size must be at most 4096");
  EXPECT_ERROR(tiny_with("\"num_classes\": 10", "\"num_classes\": 1000000000"), "num_classes must be at most 100000");
  EXPECT_ERROR(tiny_with("{\"out\": 32,", "{\"out\": 2147483647,"), "stages[3].out must be at most 16384");
  EXPECT_ERROR(tiny_with("\"expansions\": [2, 4]", "\"expansions\": [2, 100000]"), "choices.expansions[] must be at most 64");
  EXPECT_ERROR(tiny_with("\"dropout\": 0.1", "\"dropout\": 1.0"), "head.dropout must be in [0, 1)");
  EXPECT_ERROR(tiny_with("\"dropout\": 0.1", "\"dropout\": -0.1"), "head.dropout must be in [0, 1)");
  EXPECT_ERROR(tiny_with("\"name\": \"tiny\"", "\"name\": \"\""), "name must not be empty");
  EXPECT_ERROR(tiny_with("\"name\": \"tiny\"", "\"name\": \"a b\""), "name 'a b'");
  // Types.
  EXPECT_ERROR(tiny_with("\"image_size\": 28", "\"image_size\": \"28\""), "image_size must be an integer",
               "a string");
  EXPECT_ERROR(tiny_with("\"image_size\": 28", "\"image_size\": 28.5"), "image_size must be an integer");
  EXPECT_ERROR(tiny_with("\"image_size\": 28", "\"image_size\": true"), "image_size must be an integer");
  EXPECT_ERROR(tiny_with("\"image_size\": 28", "\"image_size\": 99999999999"), "image_size must be in [-2147483648, 2147483647]");
  EXPECT_ERROR(tiny_with("{\"out\": 32,", "{\"out\": null,"), "stages[3].out must be an integer");
  EXPECT_ERROR(tiny_with("\"name\": \"tiny\"", "\"name\": 7"), "name must be a string");
  EXPECT_ERROR(tiny_with("\"head\": {\"out\": 256, \"dropout\": 0.1}", "\"head\": [256, 0.1]"), "head must be an object");
  EXPECT_ERROR(tiny_with("\"stages\": [", "\"stages\": {\"x\": ["), "invalid JSON");
  EXPECT_ERROR("[1, 2]", "must be an object");
  EXPECT_ERROR("{\"name\": \"tiny\",", "invalid JSON");
  EXPECT_ERROR("", "invalid JSON");
  // Missing and unknown fields.
  EXPECT_ERROR(tiny_with("\"num_classes\": 10,\n", ""), "missing required field 'num_classes'");
  EXPECT_ERROR(tiny_with("\"stride\": 1, \"act\": \"hswish\"}", "\"stride\": 1}"), "missing required field 'stem.act'");
  EXPECT_ERROR(tiny_with("{\"out\": 16, \"stride\": 1, \"act\": \"relu\", \"depths\": [1, 2, 3]}",
                         "{\"out\": 16, \"stride\": 1, \"act\": \"relu\"}"),
               "missing required field 'stages[1].depths'");
  EXPECT_ERROR(tiny_with("\"choices\": {", "\"choicez\": {"), "missing required field 'choices'");
  EXPECT_ERROR(tiny_with("{\"out\": 16, \"stride\": 1", "{\"out\": 16, \"strid\": 1, \"stride\": 1"),
               "unknown field 'stages[1].strid'");
  EXPECT_ERROR(tiny_with("\"name\": \"tiny\",", "\"name\": \"tiny\", \"comment\": \"x\","), "unknown field 'comment'");
  EXPECT_ERROR(tiny_with("\"se_ratio\": 0.25", "\"se_ratio\": 0.25, \"se_act\": \"relu\""),
               "unknown field 'choices.se_act'");
  EXPECT_ERROR(tiny_with("\"stages\": [\n", "\"stages\": [\n"
                         "    []\n  ],\n  \"unused\": [\n"),
               "stages[0] must be an object");
}

TEST(SpaceValidation, EmptyStagesAndValidateOnStructs) {
  std::string t = read_file(preset_file("tiny"));
  size_t a = t.find("\"stages\": [") + 11, b = t.find("  ],\n  \"choices\"");
  std::string empty = t.substr(0, a) + t.substr(b);
  EXPECT_ERROR(empty, "stages must not be empty");

  SearchSpace s = find_space("cifar");
  EXPECT_NO_THROW(s.validate());
  auto msg = [](const SearchSpace& x) {
    try {
      x.validate();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  SearchSpace x = s;
  x.stages[2].stride = 3;
  EXPECT_EQ(msg(x), "space 'cifar': stages[2].stride must be 1 or 2 (got 3)");
  x = s;
  x.kernels = {3, 6};
  EXPECT_NE(msg(x).find("choices.kernels[1]"), std::string::npos);
  x = s;
  x.se_ratio = 0.f;
  EXPECT_NE(msg(x).find("choices.se_ratio"), std::string::npos);
  x = s;
  x.stages.clear();
  EXPECT_NE(msg(x).find("stages must not be empty"), std::string::npos);
  x = s;
  x.stages[0].depths = {};
  EXPECT_NE(msg(x).find("stages[0].depths must not be empty"), std::string::npos);
  x = s;
  x.image_size = -3;
  EXPECT_NE(msg(x).find("image_size"), std::string::npos);
}

}  // namespace
}  // namespace iqnas

namespace iqnas {
namespace {

// timm's make_divisible(v, divisor=8, min_value=None, round_limit=0.9), values computed by hand:
// nearest multiple (ties up), at least the divisor, one more multiple when below 90% of v.
TEST(Widths, MakeDivisibleTable) {
  struct Row {
    double v;
    int divisor, expected;
  } rows[] = {{12, 8, 16}, {18, 8, 24}, {30, 8, 32}, {36, 8, 40}, {60, 8, 64}, {84, 8, 88},  // SE of the paper space
              {4, 8, 8},   {6, 8, 8},   {20, 8, 24}, {24, 8, 24}, {3.9, 8, 8}, {100, 8, 104}, {19, 8, 24},
              {90, 8, 88}, {91, 8, 88}, {92, 8, 96}, {1, 1, 1},   {0.4, 1, 1}, {10.5, 1, 11},
              {27, 16, 32}, {44, 16, 48}, {7, 3, 9},  {5, 3, 6}};  // 7: 6 < 6.3
  for (const Row& r : rows) EXPECT_EQ(make_divisible(r.v, r.divisor), r.expected) << r.v << " / " << r.divisor;
  EXPECT_THROW(make_divisible(10, 0), std::invalid_argument);
}

TEST(Widths, ExpandedAndSeHiddenOfThePresets) {
  const SearchSpace p = find_space("paper");
  EXPECT_EQ(p.expanded(16, 6), 96);
  EXPECT_EQ(p.expanded(24, 3), 72);
  EXPECT_EQ(p.expanded(10, 3), 32);  // 30 -> 32: custom widths are rounded as timm does
  EXPECT_EQ(p.se_hidden(72), 24);    // round() would give 18
  EXPECT_EQ(p.se_hidden(48), 16);
  EXPECT_EQ(p.se_hidden(576), 144);
  SearchSpace q = p;
  q.se_divisor = 1;
  EXPECT_EQ(q.se_hidden(72), 18);
  const SearchSpace t = find_space("tiny");
  EXPECT_EQ(t.se_hidden(16), 8);
  EXPECT_EQ(t.se_divisor, 8);
}

}  // namespace
}  // namespace iqnas
