#include "kernels/rows.h"

#include <cstring>

namespace iqnas::cpu {

void gather_rows(const float* x, const int64_t* idx, float* y, int64_t R, int64_t D) {
#pragma omp parallel for if (R * D > (1 << 16))
  for (int64_t r = 0; r < R; ++r) std::memcpy(y + r * D, x + idx[r] * D, static_cast<size_t>(D) * sizeof(float));
}

void scatter_rows(const float* x, const int64_t* idx, float* y, int64_t R, int64_t D) {
#pragma omp parallel for if (R * D > (1 << 16))
  for (int64_t r = 0; r < R; ++r) std::memcpy(y + idx[r] * D, x + r * D, static_cast<size_t>(D) * sizeof(float));
}

}  // namespace iqnas::cpu
