// Scalar definitions of the activations and their derivatives, shared by the CPU and CUDA twins.
#pragma once
#include <cmath>

#include "kernels/elementwise.h"

#ifdef __CUDACC__
#define IQNAS_HD __host__ __device__ __forceinline__
#else
#define IQNAS_HD inline
#endif

namespace iqnas {

// min(max(x, 0), 6) with plain comparisons: they vectorise, where fminf/fmaxf become libm calls.
IQNAS_HD float relu6(float x) {
  x = x > 0.f ? x : 0.f;
  return x < 6.f ? x : 6.f;
}

IQNAS_HD float act_value(Act a, float x) {
  switch (a) {
    case Act::ReLU: return x > 0.f ? x : 0.f;
    case Act::HSwish: return x * relu6(x + 3.f) * (1.f / 6.f);
    case Act::HSigmoid: return relu6(x + 3.f) * (1.f / 6.f);
    case Act::Sigmoid: return 1.f / (1.f + expf(-x));
  }
  return x;
}

// Derivative at x. At the kinks (x = 0 for ReLU, x = +-3 for the hard functions) the left and right
// derivatives differ; like PyTorch we take the value of the open interval to the left
// (for h-swish at -3: 0, at +3: the inner slope 1.5).
IQNAS_HD float act_derivative(Act a, float x) {
  switch (a) {
    case Act::ReLU: return x > 0.f ? 1.f : 0.f;
    case Act::HSwish: return x < -3.f ? 0.f : (x <= 3.f ? (2.f * x + 3.f) * (1.f / 6.f) : 1.f);
    case Act::HSigmoid: return (x > -3.f && x < 3.f) ? 1.f / 6.f : 0.f;
    case Act::Sigmoid: {
      const float s = 1.f / (1.f + expf(-x));
      return s * (1.f - s);
    }
  }
  return 1.f;
}

}  // namespace iqnas
