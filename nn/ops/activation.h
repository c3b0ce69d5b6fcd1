// Activations and dropout.
#pragma once
#include "kernels/elementwise.h"
#include "nn/autograd.h"
#include "nn/module.h"

namespace iqnas {
Var activation(const Var& x, Act a);
inline Var relu(const Var& x) { return activation(x, Act::ReLU); }
inline Var hswish(const Var& x) { return activation(x, Act::HSwish); }
inline Var hsigmoid(const Var& x) { return activation(x, Act::HSigmoid); }
inline Var sigmoid(const Var& x) { return activation(x, Act::Sigmoid); }
// Inverted dropout: in training zeroes each element with probability p and scales the rest by
// 1 / (1 - p); identity otherwise.
Var dropout(const Var& x, float p, bool training, Rng& rng);
}  // namespace iqnas
