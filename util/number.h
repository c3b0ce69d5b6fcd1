// Strict number parsing, the one place where text becomes a number (flags, CSV cells, budget
// lists, checkpoint metadata). The whole text must be the number: no blanks, no trailing
// characters, no NaN or infinity, nothing beyond the range given. Every refusal is a
// std::invalid_argument that starts with `what` (the flag or field, e.g. "option --epochs"), so
// the message names what was wrong.
#pragma once
#include <cstdint>
#include <limits>
#include <string>

namespace iqnas {

// A decimal integer in [lo, hi]. An exact integer written as a decimal or in exponent form
// ("1e6") is accepted; a fraction is refused. Message: "<what> expects an integer in [lo, hi],
// got '<text>'".
int64_t parse_int(const std::string& text, const std::string& what, int64_t lo = std::numeric_limits<int64_t>::min(),
                  int64_t hi = std::numeric_limits<int64_t>::max());

// A finite number in [lo, hi]. Message: "<what> expects a finite number, got '<text>'" or
// "<what> expects a number in [lo, hi], got '<text>'".
double parse_number(const std::string& text, const std::string& what, double lo = -std::numeric_limits<double>::max(),
                    double hi = std::numeric_limits<double>::max());

// The other direction: the shortest decimal (printf %g style) that reads back as the same float
// (0.2f -> "0.2", not "0.200000003").
std::string shortest_float(float f);

}  // namespace iqnas
