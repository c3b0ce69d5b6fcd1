#include "tests/kernels/reference/reference.h"

namespace iqnas::ref {

Doubles gather_rows(const Floats& x, const Indices& idx, int64_t D) {
  Doubles y(idx.size() * D);
  for (size_t r = 0; r < idx.size(); ++r)
    for (int64_t d = 0; d < D; ++d) y[r * D + d] = x[idx[r] * D + d];
  return y;
}

Doubles scatter_rows(const Floats& x, const Indices& idx, const Floats& y, int64_t D) {
  Doubles r(y.begin(), y.end());
  for (size_t i = 0; i < idx.size(); ++i)
    for (int64_t d = 0; d < D; ++d) r[idx[i] * D + d] = x[i * D + d];
  return r;
}

}  // namespace iqnas::ref
