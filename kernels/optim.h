// Optimiser update kernels. SGD follows PyTorch's definition:
//   g' = g + wd * p;  buf = first ? g' : momentum * buf + g';
//   d = nesterov ? g' + momentum * buf : buf;  p -= lr * d
// (with momentum == 0, d = g' and buf is not touched).
#pragma once
#include <cstdint>

namespace iqnas {
struct SgdArgs {
  float lr = 0.1f, momentum = 0.9f, weight_decay = 0.f;
  bool nesterov = false, first_step = false;
};

#define IQNAS_OPTIM_DECLS                                                       \
  void sgd_step(const SgdArgs& a, float* p, const float* g, float* buf, int64_t n); \
  /* ema = decay * ema + (1 - decay) * p */                                     \
  void ema_update(float decay, const float* p, float* ema, int64_t n);

namespace cpu {
IQNAS_OPTIM_DECLS
}
namespace cuda {
IQNAS_OPTIM_DECLS
}
#undef IQNAS_OPTIM_DECLS
}  // namespace iqnas
