// Checking refusals in tests: the message of the exception that a call throws.
#pragma once
#include <stdexcept>
#include <string>

namespace iqnas::test {

// The message of the E (std::invalid_argument unless told) that f() throws, "" when f() returns.
// An exception of another type propagates and fails the test.
template <class E = std::invalid_argument, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

}  // namespace iqnas::test

// Expects `expr` to throw std::invalid_argument with every one of the following strings in its
// message.
#define EXPECT_REFUSED(expr, ...)                                                           \
  do {                                                                                      \
    const std::string msg_ = ::iqnas::test::error_of([&] { (void)(expr); });                \
    EXPECT_FALSE(msg_.empty()) << #expr << " accepted";                                     \
    for (const char* part_ : {__VA_ARGS__})                                                 \
      EXPECT_NE(msg_.find(part_), std::string::npos) << "'" << part_ << "' not in: " << msg_; \
  } while (0)
