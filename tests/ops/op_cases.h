// The op-case table: one entry per differentiable op and shape variant, and the only list of ops the
// tests keep. It drives the finite-difference gradient checks (tests/nn/test_ops_grad.cpp) and the
// CUDA-vs-CPU parity of values and gradients (tests/cuda/test_ops_cuda.cpp, which also runs under
// the CUDA emulation). A new op adds its entries in op_cases.cpp (docs/extending.md).
#pragma once
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "nn/module.h"

namespace iqnas::test {

struct InputSpec {
  Shape shape;
  float lo = -1.f, hi = 1.f;  // values uniform in [lo, hi] ...
  std::vector<float> kinks;   // ... kept kKinkMargin away from these points (non-differentiable there)
};
inline constexpr float kKinkMargin = 0.05f;

using OpFn = std::function<Var(const std::vector<Var>&)>;

struct OpCase {
  std::string name;  // the test parameter's name: letters, digits and '_'
  std::vector<InputSpec> inputs;
  OpFn f;
  // Finite differences: step, tolerance relative to max(1, |numeric|), elements checked per input.
  float fd_eps = 1e-2f;
  double fd_tol = 2e-2;
  int fd_checks = 150;
  // CUDA against the CPU: max |gpu - cpu| / (1 + max |cpu|) for the value and every gradient.
  double cuda_tol = 1e-4;
};

const std::vector<OpCase>& op_cases();

// The case's inputs on the CPU, the same for a given case on every call.
std::vector<Tensor> make_inputs(const OpCase& c);

// Gtest parameter names: `INSTANTIATE_TEST_SUITE_P(..., ValuesIn(op_cases()), op_case_name)`.
std::string op_case_name(const ::testing::TestParamInfo<OpCase>& info);
inline void PrintTo(const OpCase& c, std::ostream* os) { *os << c.name; }

}  // namespace iqnas::test
