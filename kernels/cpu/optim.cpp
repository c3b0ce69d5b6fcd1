#include "kernels/optim.h"

namespace iqnas::cpu {

void sgd_step(const SgdArgs& a, float* p, const float* g, float* buf, int64_t n) {
  const float mom = a.momentum, wd = a.weight_decay, lr = a.lr;
#pragma omp parallel for simd if (n > (1 << 16))
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i] + wd * p[i];
    float d = gi;
    if (mom != 0.f) {
      const float b = a.first_step ? gi : mom * buf[i] + gi;
      buf[i] = b;
      d = a.nesterov ? gi + mom * b : b;
    }
    p[i] -= lr * d;
  }
}

void ema_update(float decay, const float* p, float* ema, int64_t n) {
#pragma omp parallel for simd if (n > (1 << 16))
  for (int64_t i = 0; i < n; ++i) ema[i] = decay * ema[i] + (1.f - decay) * p[i];
}

}  // namespace iqnas::cpu
