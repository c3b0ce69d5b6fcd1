// Shared by the fuzz targets: an input may be refused with a std::exception that carries a
// message; an exception without one, or of another type, aborts (a finding).
#pragma once
#include <cstdio>
#include <cstdlib>
#include <exception>

namespace iqnas::fuzz {

inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz finding: %s\n", what);
    std::abort();
  }
}

template <class Fn>
void refusal_ok(Fn fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    check(e.what() != nullptr && e.what()[0] != '\0', "a refusal without a message");
  }
}

}  // namespace iqnas::fuzz
