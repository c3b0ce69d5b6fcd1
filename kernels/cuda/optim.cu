// CUDA twins of kernels/cpu/optim.cpp.
#include "kernels/cuda/check.h"
#include "kernels/optim.h"

namespace iqnas::cuda {
namespace {
__global__ void k_sgd_step(SgdArgs a, float* p, const float* g, float* buf, long long n) {
  for (long long i = blockIdx.x * 256LL + threadIdx.x; i < n; i += 256LL * gridDim.x) {
    const float gi = g[i] + a.weight_decay * p[i];
    float d = gi;
    if (a.momentum != 0.f) {
      const float b = a.first_step ? gi : a.momentum * buf[i] + gi;
      buf[i] = b;
      d = a.nesterov ? gi + a.momentum * b : b;
    }
    p[i] -= a.lr * d;
  }
}
__global__ void k_ema_update(float decay, const float* p, float* ema, long long n) {
  for (long long i = blockIdx.x * 256LL + threadIdx.x; i < n; i += 256LL * gridDim.x)
    ema[i] = decay * ema[i] + (1.f - decay) * p[i];
}
}  // namespace

void sgd_step(const SgdArgs& a, float* p, const float* g, float* buf, int64_t n) {
  if (n <= 0) return;
  k_sgd_step<<<iqnas_grid(n), 256, 0, stream()>>>(a, p, g, buf, n);
  IQNAS_CUDA_LAUNCH_CHECK();
}
void ema_update(float decay, const float* p, float* ema, int64_t n) {
  if (n <= 0) return;
  k_ema_update<<<iqnas_grid(n), 256, 0, stream()>>>(decay, p, ema, n);
  IQNAS_CUDA_LAUNCH_CHECK();
}
}  // namespace iqnas::cuda
