#include "tests/kernels/reference/reference.h"

namespace iqnas::ref {
namespace {
// Calls f(dst offset, src offset) for every index of the layout in row-major order.
template <class F>
void for_each_index(const StridedLayout& l, F&& f) {
  int64_t count = 1;
  for (int d = 0; d < l.ndim; ++d) count *= l.shape[d];
  for (int64_t i = 0; i < count; ++i) {
    int64_t rest = i, dst = 0, src = 0;
    for (int d = l.ndim - 1; d >= 0; --d) {
      const int64_t k = rest % l.shape[d];
      rest /= l.shape[d];
      dst += k * l.dst_stride[d], src += k * l.src_stride[d];
    }
    f(dst, src);
  }
}
}  // namespace

Doubles copy_strided(const StridedLayout& l, const Floats& dst, const Floats& src) {
  Doubles r(dst.begin(), dst.end());
  for_each_index(l, [&](int64_t d, int64_t s) { r[d] = src[s]; });
  return r;
}

Doubles fill_strided(const StridedLayout& l, const Floats& dst, double value) {
  Doubles r(dst.begin(), dst.end());
  for_each_index(l, [&](int64_t d, int64_t) { r[d] = value; });
  return r;
}

}  // namespace iqnas::ref
