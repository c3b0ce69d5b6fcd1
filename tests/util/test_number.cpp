// Strict number parsing: the whole text is the number, ranges are checked before any narrowing,
// and every refusal names what was parsed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "tests/refusal.h"
#include "util/number.h"

using namespace iqnas;

namespace {

using iqnas::test::error_of;

TEST(Number, IntegersInRange) {
  EXPECT_EQ(parse_int("42", "x"), 42);
  EXPECT_EQ(parse_int("-7", "x"), -7);
  EXPECT_EQ(parse_int("+5", "x"), 5);
  EXPECT_EQ(parse_int("1e6", "x"), 1000000);  // exponent form of an exact integer
  EXPECT_EQ(parse_int("9223372036854775807", "x"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(parse_int("-9223372036854775808", "x"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(parse_int("256", "x", 1, 256), 256);
}

TEST(Number, IntegersRefusedWithTheNameAndRange) {
  // 2^32 + 1 in an int field was 1 after a silent narrowing.
  EXPECT_EQ(error_of([] { parse_int("4294967297", "option --epochs", 1, 100000); }),
            "option --epochs expects an integer in [1, 100000], got '4294967297'");
  for (const char* bad : {"", " 1", "1 ", "1.5", "abc", "1x", "0x10", "--1", "+-1", "+", "-", "nan", "inf", "1e30",
                          "9223372036854775808", "-9223372036854775809", "1e300"})
    EXPECT_NE(error_of([&] { parse_int(bad, "field 'n'"); }).find("field 'n' expects an integer"), std::string::npos)
        << "'" << bad << "'";
  EXPECT_NE(error_of([] { parse_int("0", "--threads", 1, 256); }).find("[1, 256]"), std::string::npos);
  EXPECT_NE(error_of([] { parse_int("-5", "--recalibrate", 0, 100000); }).find("got '-5'"), std::string::npos);
  // A megabyte of input is not echoed in full.
  EXPECT_LT(error_of([] { parse_int(std::string(1 << 20, '7'), "x"); }).size(), 200u);
}

TEST(Number, FiniteNumbers) {
  EXPECT_EQ(parse_number("0.25", "x"), 0.25);
  EXPECT_EQ(parse_number("-1e-3", "x"), -1e-3);
  EXPECT_EQ(parse_number("+3", "x"), 3);
  EXPECT_EQ(parse_number("1e308", "x"), 1e308);
  for (const char* bad : {"", "nan", "NaN", "inf", "-inf", "1e309", " 1", "1 ", "1,5", "0x1p3x", "abc", "1.2.3", "++1"})
    EXPECT_NE(error_of([&] { parse_number(bad, "option --lr"); }).find("option --lr expects a finite number"),
              std::string::npos)
        << "'" << bad << "'";
  EXPECT_EQ(parse_number("0.5", "--heldout", 0, 1), 0.5);
  EXPECT_EQ(error_of([] { parse_number("2", "--heldout", 0, 1); }), "--heldout expects a number in [0, 1], got '2'");
}

}  // namespace

TEST(Number, ShortestFloatReadsBackAsTheSameFloat) {
  EXPECT_EQ(iqnas::shortest_float(0.2f), "0.2");  // not 0.200000003
  EXPECT_EQ(iqnas::shortest_float(0.25f), "0.25");
  EXPECT_EQ(iqnas::shortest_float(1e-5f), "1e-05");
  EXPECT_EQ(iqnas::shortest_float(0.1234567f), "0.1234567");
  for (float f : {1.f / 3, 3.4028235e38f, 1.17549435e-38f, -2.5f, 0.0625f}) {
    const std::string s = iqnas::shortest_float(f);
    EXPECT_EQ(std::strtof(s.c_str(), nullptr), f) << s;
  }
}
