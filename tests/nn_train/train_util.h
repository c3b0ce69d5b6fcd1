// Small modules and helpers shared by the optimiser, EMA and checkpoint tests.
#pragma once
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "nn/module.h"

namespace iqnas::test {

// A leaf with a 2-D weight, a 1-D bias and a BN-like buffer.
struct Leaf : Module {
  Var weight, bias;
  Tensor* running_mean;
  Leaf(int64_t out, int64_t in, float start) {
    std::vector<float> w(static_cast<size_t>(out * in)), b(static_cast<size_t>(out)), rm(static_cast<size_t>(out));
    for (size_t i = 0; i < w.size(); ++i) w[i] = start + 0.25f * static_cast<float>(i);
    for (size_t i = 0; i < b.size(); ++i) b[i] = -start + 0.5f * static_cast<float>(i);
    for (size_t i = 0; i < rm.size(); ++i) rm[i] = 10.f * start + static_cast<float>(i);
    weight = register_parameter("weight", Tensor::from_vector({out, in}, w));
    bias = register_parameter("bias", Tensor::from_vector({out}, b));
    running_mean = &register_buffer("running_mean", Tensor::from_vector({out}, rm));
  }
};

// Names: stem.weight [c,3], stem.bias [c], head.weight [2,c], head.bias [2] (+ buffers).
struct Net : Module {
  std::shared_ptr<Leaf> stem, head;
  explicit Net(int64_t c = 4, float start = 1.f) {
    stem = register_module("stem", std::make_shared<Leaf>(c, 3, start));
    head = register_module("head", std::make_shared<Leaf>(2, c, -start));
  }
};

inline bool bit_equal(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return false;
  const std::vector<float> x = a.to_vector(), y = b.to_vector();
  return std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

// Every parameter and buffer of the module, copied (for "unchanged after" checks).
inline std::vector<std::vector<float>> snapshot(Module& m) {
  std::vector<std::vector<float>> out;
  for (auto& [n, p] : m.named_parameters()) out.push_back(p.value().to_vector());
  for (auto& [n, b] : m.named_buffers()) out.push_back(b->to_vector());
  return out;
}

inline bool same_bits(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].size() != b[i].size() || std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)) != 0)
      return false;
  return true;
}

// A deterministic "gradient" for each parameter, depending on its value and the step.
inline void fake_grads(Module& m, int step) {
  for (auto& [n, p] : m.named_parameters()) {
    std::vector<float> v = p.value().to_vector();
    for (size_t i = 0; i < v.size(); ++i) v[i] = 0.3f * v[i] - 0.1f * static_cast<float>(step) + 0.01f * static_cast<float>(i);
    p.set_grad(Tensor::from_vector(p.shape(), v, p.device()));
  }
}

}  // namespace iqnas::test
