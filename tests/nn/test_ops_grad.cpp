// Finite-difference gradient checks of every case of the op table (tests/ops/op_cases.cpp).
#include <gtest/gtest.h>

#include "tests/nn/gradcheck.h"
#include "tests/ops/op_cases.h"

namespace iqnas {
namespace {

class OpGradient : public ::testing::TestWithParam<test::OpCase> {};

TEST_P(OpGradient, MatchesFiniteDifferences) {
  const test::OpCase& c = GetParam();
  test::expect_gradients_match(c.f, test::make_inputs(c), c.fd_eps, c.fd_tol, c.fd_checks);
}

INSTANTIATE_TEST_SUITE_P(OpTable, OpGradient, ::testing::ValuesIn(test::op_cases()), test::op_case_name);

}  // namespace
}  // namespace iqnas
