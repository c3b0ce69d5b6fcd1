// The strict JSON reader: every error names the source and the field's path; unread keys are refused.
#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>

#include "tests/refusal.h"
#include "util/json_reader.h"

namespace iqnas::util {
namespace {

using test::error_of;

TEST(JsonReader, ReadsFieldsAndRefusesUnreadKeys) {
  const json j = parse_json(R"({"n": 3, "x": 0.5, "on": true, "name": "a", "list": [1, 2], "flags": [true, false]})", "f.json");
  JsonObject r(j, "", "f.json");
  EXPECT_EQ(r.get_int("n"), 3);
  EXPECT_FLOAT_EQ(r.get_float("x"), 0.5f);
  EXPECT_TRUE(r.get_bool("on"));
  EXPECT_EQ(r.get_string("name"), "a");
  EXPECT_EQ(r.get_int_list("list"), (std::vector<int>{1, 2}));
  EXPECT_EQ(r.get_bool_list("flags"), (std::vector<bool>{true, false}));
  EXPECT_FALSE(r.has("optional"));
  EXPECT_NO_THROW(r.finish());

  const json typo = parse_json(R"({"n": 3, "nn": 4})", "f.json");
  JsonObject t(typo, "stages[1]", "f.json");
  t.get_int("n");
  EXPECT_EQ(error_of([&] { t.finish(); }), "f.json: unknown field 'stages[1].nn' (known here: n)");
}

TEST(JsonReader, ErrorsNameTheSourceAndThePath) {
  const json j = parse_json(R"({"n": "3", "big": 3000000000, "x": 1e40, "o": [1]})", "cfg.json");
  JsonObject r(j, "head", "cfg.json");
  EXPECT_EQ(error_of([&] { r.get_int("n"); }), "cfg.json: head.n must be an integer, got a string (\"3\")");
  EXPECT_EQ(error_of([&] { r.get_int("big"); }), "cfg.json: head.big must be in [-2147483648, 2147483647], got 3000000000");
  EXPECT_EQ(error_of([&] { r.get_int64("big", 0, 10); }), "cfg.json: head.big must be in [0, 10], got 3000000000");
  EXPECT_EQ(error_of([&] { r.get_float("x"); }), "cfg.json: head.x must be in [-1e+30, 1e+30], got 1e+40");
  EXPECT_EQ(error_of([&] { r.get_number("n"); }), "cfg.json: head.n must be a number, got a string");
  EXPECT_EQ(error_of([&] { r.get_int("missing"); }), "cfg.json: missing required field 'head.missing'");
  EXPECT_EQ(error_of([&] { JsonObject(j.at("o"), "head.o", "cfg.json"); }),
            "cfg.json: head.o must be an object, got an array");
  EXPECT_EQ(error_of([] { parse_json("{\"a\": ", "bad.json"); }).rfind("bad.json: invalid JSON", 0), 0u);
  // JSON text has no infinity, but a document built in code can hold one.
  const json inf = {{"v", std::numeric_limits<double>::infinity()}};
  JsonObject q(inf, "", "doc");
  EXPECT_EQ(error_of([&] { q.get_number("v"); }), "doc: v must be a finite number");
  EXPECT_EQ(error_of([&] { q.get_number("v", 0, 1); }), "doc: v must be a finite number");
}

TEST(JsonReader, ArraysOfObjectsNameTheElement) {
  const json j = parse_json(R"({"layers": [{"rows": 2}, {"rows": "x"}, 3], "n": 1})", "m.json");
  JsonObject r(j, "net", "m.json");
  const json& layers = r.get_array("layers");
  EXPECT_EQ(r.element(layers, "layers", 0).get_int("rows"), 2);
  EXPECT_EQ(error_of([&] { r.element(layers, "layers", 1).get_int("rows"); }),
            "m.json: net.layers[1].rows must be an integer, got a string (\"x\")");
  EXPECT_EQ(error_of([&] { r.element(layers, "layers", 2); }), "m.json: net.layers[2] must be an object, got an integer");
  EXPECT_EQ(error_of([&] { r.get_array("n"); }), "m.json: net.n must be an array, got an integer");
  EXPECT_NO_THROW(r.finish());  // both keys were read
}

TEST(JsonReader, AParsedStringFieldNamesItsPathInTheParsersError) {
  const json j = parse_json(R"({"opt": {"mode": "fast", "other": "slow", "n": 2}})", "o.json");
  JsonObject top(j, "", "o.json");
  JsonObject r(top.at("opt"), "opt", "o.json");
  auto parse_mode = [](const std::string& name) {
    if (name != "fast") throw std::invalid_argument("unknown mode '" + name + "' (known: fast)");
    return 7;
  };
  EXPECT_EQ(r.get_parsed("mode", parse_mode), 7);
  EXPECT_EQ(error_of([&] { r.get_parsed("other", parse_mode); }), "o.json: opt.other: unknown mode 'slow' (known: fast)");
  EXPECT_EQ(error_of([&] { r.get_parsed("n", parse_mode); }), "o.json: opt.n must be a string, got an integer");
  EXPECT_NO_THROW(r.finish());
}

}  // namespace
}  // namespace iqnas::util
