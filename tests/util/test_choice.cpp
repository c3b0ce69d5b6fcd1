// util/choice.h: one table parses and prints an enumeration; a bad name is refused with the names.
#include <gtest/gtest.h>

#include "tests/refusal.h"
#include "util/choice.h"

namespace iqnas::util {
namespace {

enum class Colour { Red, Green, Blue };
constexpr Choice<Colour> kTwo[] = {{"red", Colour::Red}, {"green", Colour::Green}};
constexpr Choice<Colour> kThree[] = {{"red", Colour::Red}, {"green", Colour::Green}, {"blue", Colour::Blue}};

TEST(Choice, ParsesAndNamesFromOneTable) {
  EXPECT_EQ(parse_choice("green", kTwo, "colour"), Colour::Green);
  EXPECT_EQ(parse_choice("blue", kThree, "colour"), Colour::Blue);
  EXPECT_STREQ(choice_name(Colour::Red, kTwo), "red");
  EXPECT_STREQ(choice_name(Colour::Blue, kThree), "blue");
  EXPECT_THROW(choice_name(Colour::Blue, kTwo), std::logic_error);
}

TEST(Choice, RefusesAnUnknownNameListingTheChoices) {
  EXPECT_EQ(test::error_of([] { parse_choice("Red", kTwo, "colour"); }),
            "colour must be red or green, not 'Red'");
  EXPECT_EQ(test::error_of([] { parse_choice("", kThree, "--colour"); }),
            "--colour must be red, green or blue, not ''");
}

}  // namespace
}  // namespace iqnas::util
