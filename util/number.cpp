#include "util/number.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace iqnas {

namespace {

// Long values are cut in messages so that a megabyte of input does not become a megabyte of error.
std::string shown(const std::string& text) { return text.size() > 64 ? text.substr(0, 64) + "..." : text; }

std::string range(int64_t lo, int64_t hi) {
  auto end = [](int64_t v, bool low) {
    if (low && v == std::numeric_limits<int64_t>::min()) return std::string("-2^63");
    if (!low && v == std::numeric_limits<int64_t>::max()) return std::string("2^63-1");
    return std::to_string(v);
  };
  return "[" + end(lo, true) + ", " + end(hi, false) + "]";
}

std::string number_str(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  // The shortest form that reads back the same: try fewer digits first.
  for (int p = 1; p < 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, v);
    if (std::strtod(buf, nullptr) == v) return buf;
  }
  return s;
}

// The text as a double, or false when it is not exactly one finite number.
bool read_double(const std::string& text, double& v) {
  if (text.empty()) return false;
  const char* b = text.data();
  const char* e = b + text.size();
  if (*b == '+') ++b;  // from_chars refuses a leading '+', which people write
  if (b == e || *b == '+' || (*b == '-' && b != text.data())) return false;
  const auto r = std::from_chars(b, e, v, std::chars_format::general);
  return r.ec == std::errc() && r.ptr == e && std::isfinite(v);
}

}  // namespace

int64_t parse_int(const std::string& text, const std::string& what, int64_t lo, int64_t hi) {
  auto refuse = [&]() -> int64_t {
    throw std::invalid_argument(what + " expects an integer in " + range(lo, hi) + ", got '" + shown(text) + "'");
  };
  const char* b = text.data();
  const char* e = b + text.size();
  if (b != e && *b == '+') ++b;
  int64_t v = 0;
  const auto r = std::from_chars(b, e, v);
  if (!text.empty() && r.ec == std::errc() && r.ptr == e && !(b != text.data() && *b == '-'))
    return v < lo || v > hi ? refuse() : v;
  if (r.ec == std::errc::result_out_of_range) return refuse();
  // Exponent form: only exact integers, within 2^53 where every integer is a double.
  double d = 0;
  if (!read_double(text, d) || d != std::floor(d) || std::fabs(d) > 9007199254740992.0) return refuse();
  v = static_cast<int64_t>(d);
  return v < lo || v > hi ? refuse() : v;
}

double parse_number(const std::string& text, const std::string& what, double lo, double hi) {
  double v = 0;
  if (!read_double(text, v)) throw std::invalid_argument(what + " expects a finite number, got '" + shown(text) + "'");
  if (v < lo || v > hi)
    throw std::invalid_argument(what + " expects a number in [" + number_str(lo) + ", " + number_str(hi) + "], got '" +
                                shown(text) + "'");
  return v;
}

std::string shortest_float(float f) {
  char buf[64];
  for (int p = 1; p <= 9; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, static_cast<double>(f));
    if (std::strtof(buf, nullptr) == f) break;
  }
  return buf;
}

}  // namespace iqnas
