// Batch normalisation over x viewed as [M, C] (M = N*H*W in NHWC). Statistics per channel.
// Backward kernels overwrite their outputs; gx may be null when no input gradient is needed.
#pragma once
#include <cstdint>

#include "kernels/elementwise.h"

namespace iqnas {
struct BnArgs {
  int64_t M = 1, C = 1;
  float eps = 1e-5f;
};

// forward_train writes the batch mean and inverse std (biased variance) to mean/invstd for
// backward; update_running folds them in: running = (1 - momentum) * running + momentum * batch,
// with the unbiased batch variance.
#define IQNAS_BATCHNORM_DECLS                                                                    \
  void batchnorm_forward_train(const BnArgs& a, const float* x, const float* gamma, const float* beta, \
                               float* y, float* mean, float* invstd);                              \
  void batchnorm_forward_eval(const BnArgs& a, const float* x, const float* gamma, const float* beta, \
                              const float* running_mean, const float* running_var, float* y);     \
  void batchnorm_backward(const BnArgs& a, const float* x, const float* gy, const float* gamma,    \
                          const float* mean, const float* invstd, float* gx, float* ggamma,        \
                          float* gbeta);                                                           \
  void batchnorm_update_running(const BnArgs& a, float momentum, const float* mean,               \
                                const float* invstd, float* running_mean, float* running_var);    \
  /* Training batch norm followed by an activation, z = act(bn(x)), in the passes of the plain  */ \
  /* batch norm: the pre-activation is never stored; the backward recomputes it from x, mean,  */ \
  /* invstd, gamma and beta, and takes gz (the gradient of z).                                 */ \
  void batchnorm_act_forward_train(const BnArgs& a, Act act, const float* x, const float* gamma,   \
                                   const float* beta, float* z, float* mean, float* invstd);       \
  void batchnorm_act_backward(const BnArgs& a, Act act, const float* x, const float* gz,           \
                              const float* gamma, const float* beta, const float* mean,            \
                              const float* invstd, float* gx, float* ggamma, float* gbeta);        \
  /* The training kernels split at their reductions, for batch norm over several replicas'    */ \
  /* rows (nn/ops/norm.cpp): between the pieces the replicas add up their sums.               */ \
  /* batchnorm_stats: this replica's per-channel mean and m2 = sum (x - mean)^2 (the forward's */ \
  /* first pass). batchnorm_(act_)normalize: y = act((x - mean) * gamma * invstd + beta) with   */ \
  /* given statistics (its second pass). The backward's first pass is batchnorm_(act_)backward */ \
  /* with gx null (ggamma = sum gy * xhat, gbeta = sum gy); batchnorm_(act_)backward_input is  */ \
  /* its second: gx from ggamma and gbeta summed over `rows` rows.                             */ \
  void batchnorm_stats(const BnArgs& a, const float* x, float* mean, float* m2);                  \
  void batchnorm_normalize(const BnArgs& a, const float* x, const float* gamma, const float* beta, \
                           const float* mean, const float* invstd, float* y);                     \
  void batchnorm_act_normalize(const BnArgs& a, Act act, const float* x, const float* gamma,      \
                               const float* beta, const float* mean, const float* invstd, float* z); \
  void batchnorm_backward_input(const BnArgs& a, int64_t rows, const float* x, const float* gy,    \
                                const float* gamma, const float* mean, const float* invstd,        \
                                const float* ggamma, const float* gbeta, float* gx);               \
  void batchnorm_act_backward_input(const BnArgs& a, Act act, int64_t rows, const float* x,        \
                                    const float* gz, const float* gamma, const float* beta,        \
                                    const float* mean, const float* invstd, const float* ggamma,   \
                                    const float* gbeta, float* gx);

namespace cpu {
IQNAS_BATCHNORM_DECLS
}
namespace cuda {  // kernels/cuda/batchnorm.cu: same semantics, all pointers device memory
IQNAS_BATCHNORM_DECLS
}
#undef IQNAS_BATCHNORM_DECLS
}  // namespace iqnas
