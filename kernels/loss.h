// Loss kernels over logits [N, K] (row-major). Per-sample losses are written to `loss[N]`; the nn
// layer averages them. Backward kernels overwrite their outputs and take the upstream gradient of
// each per-sample loss as `gscale` (for a mean over N: gloss / N).
#pragma once
#include <cstdint>

namespace iqnas {

#define IQNAS_LOSS_DECLS                                                                          \
  /* Cross-entropy against labels smoothed to (1 - eps) on the label and eps / K everywhere.      \
     Writes softmax probabilities to prob [N, K] for the backward pass. Labels must be in [0, K). */ \
  void softmax_xent_forward(const float* logits, const int32_t* labels, float smoothing,         \
                            float* prob, float* loss, int64_t N, int64_t K);                     \
  void softmax_xent_backward(const float* prob, const int32_t* labels, float smoothing,          \
                             float gscale, float* glogits, int64_t N, int64_t K);                \
  /* KL(softmax(t / T) || softmax(s / T)) * T^2 per sample (teacher t, student s). Writes both    \
     softmaxes for the backward pass. */                                                         \
  void kl_div_forward(const float* student, const float* teacher, float T, float* ps, float* pt, \
                      float* loss, int64_t N, int64_t K);                                        \
  /* Gradients of the per-sample losses (times gscale) wrt the student and teacher logits;        \
     either output may be null. `loss` is the per-sample loss from the forward pass. */          \
  void kl_div_backward(const float* ps, const float* pt, const float* loss, float T, float gscale, \
                       float* gstudent, float* gteacher, int64_t N, int64_t K);

namespace cpu {
IQNAS_LOSS_DECLS
}
// CUDA twins (kernels/cuda/loss.cu): every pointer, `labels` included, is DEVICE memory.
namespace cuda {
IQNAS_LOSS_DECLS
}
#undef IQNAS_LOSS_DECLS

}  // namespace iqnas
