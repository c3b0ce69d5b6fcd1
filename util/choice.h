// The names of a small enumeration's values (a flag's or a field's choices): one table per
// enumeration serves parsing and printing, so that the two cannot disagree.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>

namespace iqnas::util {

template <class T>
struct Choice {
  const char* name;
  T value;
};

// The value named `text`; otherwise std::invalid_argument "<what> must be a, b or c, not '<text>'".
template <class T, size_t N>
T parse_choice(const std::string& text, const Choice<T> (&choices)[N], const std::string& what) {
  for (const Choice<T>& c : choices)
    if (text == c.name) return c.value;
  std::string names;
  for (size_t i = 0; i < N; ++i) names += std::string(i == 0 ? "" : i + 1 == N ? " or " : ", ") + choices[i].name;
  throw std::invalid_argument(what + " must be " + names + ", not '" + text + "'");
}

// The name of `value`; the table must name every value of the enumeration.
template <class T, size_t N>
const char* choice_name(T value, const Choice<T> (&choices)[N]) {
  for (const Choice<T>& c : choices)
    if (c.value == value) return c.name;
  throw std::logic_error("choice_name: a value missing from its table");
}

}  // namespace iqnas::util
