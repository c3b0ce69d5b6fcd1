// CPU twins of kernels/copy.h: recursion over the outer dims, the innermost run at once.
#include "kernels/copy.h"

#include <algorithm>
#include <cstring>

namespace iqnas::cpu {
namespace {
void copy_dim(const StridedLayout& l, int d, float* dst, const float* src) {
  const int64_t n = l.shape[d], ds = l.dst_stride[d], ss = l.src_stride[d];
  if (d == l.ndim - 1) {
    if (ds == 1 && ss == 1)
      std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
    else
      for (int64_t i = 0; i < n; ++i) dst[i * ds] = src[i * ss];
    return;
  }
  for (int64_t i = 0; i < n; ++i) copy_dim(l, d + 1, dst + i * ds, src + i * ss);
}
void fill_dim(const StridedLayout& l, int d, float* dst, float value) {
  const int64_t n = l.shape[d], ds = l.dst_stride[d];
  if (d == l.ndim - 1) {
    if (ds == 1)
      std::fill_n(dst, n, value);
    else
      for (int64_t i = 0; i < n; ++i) dst[i * ds] = value;
    return;
  }
  for (int64_t i = 0; i < n; ++i) fill_dim(l, d + 1, dst + i * ds, value);
}
}  // namespace

void copy_strided(const StridedLayout& l, float* dst, const float* src) {
  if (l.ndim == 0)
    *dst = *src;
  else
    copy_dim(l, 0, dst, src);
}

void fill_strided(const StridedLayout& l, float* dst, float value) {
  if (l.ndim == 0)
    *dst = value;
  else
    fill_dim(l, 0, dst, value);
}

}  // namespace iqnas::cpu
