// Error checking for CUDA runtime and cuBLAS calls: failures throw with the call and location.
#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace iqnas::cuda {
inline void check(cudaError_t e, const char* what, const char* file, int line) {
  if (e != cudaSuccess)
    throw std::runtime_error(std::string("CUDA error in ") + what + " at " + file + ":" +
                             std::to_string(line) + ": " + cudaGetErrorString(e));
}
cudaStream_t stream();  // the stream every kernel of this backend runs on
}  // namespace iqnas::cuda

#define IQNAS_CUDA_CHECK(call) ::iqnas::cuda::check((call), #call, __FILE__, __LINE__)
#define IQNAS_CUDA_LAUNCH_CHECK() IQNAS_CUDA_CHECK(cudaGetLastError())

// Grid for a 1-D loop over n elements with 256-thread blocks (grid-stride loops cover the rest).
inline unsigned iqnas_grid(long long n) {
  long long b = (n + 255) / 256;
  return static_cast<unsigned>(b < 1 ? 1 : (b > 65535 * 8 ? 65535 * 8 : b));
}
