// Helpers shared by the op implementations in nn/ops/*.cpp (internal, not installed).
#pragma once
#include "kernels/dispatch.h"
#include "nn/detail/autograd_impl.h"

namespace iqnas::detail {
inline Tensor empty_like(const Tensor& t) { return Tensor::empty(t.shape(), t.device()); }
// Channels (last dim) and the number of rows in front of them.
inline int64_t channels(const Tensor& t) { return t.ndim() ? t.dim(-1) : 1; }
inline int64_t rows(const Tensor& t) { return t.numel() / (channels(t) ? channels(t) : 1); }
void require_rank(const char* op, const char* what, const Tensor& t, int rank);
}  // namespace iqnas::detail
