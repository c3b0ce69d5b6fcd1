// Finite-difference gradient check: compares the gradients that backward() gives for
// L = sum(f(inputs) * R), R a fixed random projection, with central differences of L.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "nn/module.h"

namespace iqnas::test {

inline double projected(const Tensor& y, const Tensor& r) {
  const std::vector<float> a = y.to_vector(), b = r.to_vector();
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

// Checks every element of every input when small, else `max_checks` random elements per input.
inline void expect_gradients_match(const std::function<Var(const std::vector<Var>&)>& f,
                                   const std::vector<Tensor>& inputs, float eps = 1e-2f,
                                   double tol = 2e-2, int max_checks = 150) {
  Rng rng(1234);
  std::vector<Var> vars;
  for (const Tensor& t : inputs) vars.emplace_back(t.clone(), true);
  Var y = f(vars);
  const Tensor r = uniform(y.shape(), -1.f, 1.f, rng);
  y.backward(r);

  for (size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_TRUE(vars[i].grad().defined()) << "input " << i << " got no gradient";
    ASSERT_EQ(vars[i].grad().shape(), inputs[i].shape());
    const std::vector<float> analytic = vars[i].grad().to_vector();
    const int64_t n = inputs[i].numel();
    std::vector<int64_t> idx;
    if (n <= max_checks) {
      for (int64_t j = 0; j < n; ++j) idx.push_back(j);
    } else {
      for (int k = 0; k < max_checks; ++k) idx.push_back(static_cast<int64_t>(rng.below(static_cast<uint64_t>(n))));
    }
    for (int64_t j : idx) {
      auto eval = [&](float delta) {
        NoGradGuard ng;
        std::vector<Var> in;
        for (size_t k = 0; k < inputs.size(); ++k) {
          Tensor t = inputs[k].clone();
          if (k == i) t.data()[j] += delta;
          in.emplace_back(t, false);
        }
        return projected(f(in).value(), r);
      };
      const double numeric = (eval(eps) - eval(-eps)) / (2.0 * eps);
      const double scale = std::max(1.0, std::fabs(numeric));
      EXPECT_NEAR(analytic[j], numeric, tol * scale) << "input " << i << ", element " << j;
    }
  }
}

}  // namespace iqnas::test
