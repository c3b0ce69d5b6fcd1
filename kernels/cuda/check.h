// Error checking for CUDA runtime and cuBLAS calls: failures throw with the call and location.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <stdexcept>
#include <string>

#include "kernels/device.h"

namespace iqnas::cuda {
inline void check(cudaError_t e, const char* what, const char* file, int line) {
  if (e != cudaSuccess) {
    // A failed call also leaves its error for cudaGetLastError: clear it, or the next launch
    // check would report this error again under that kernel's name.
    cudaGetLastError();
    throw std::runtime_error(std::string("CUDA error in ") + what + " at " + file + ":" +
                             std::to_string(line) + ": " + cudaGetErrorString(e));
  }
}
cudaStream_t stream();  // the stream every kernel of this backend runs on
int sm_count();         // multiprocessors of the device (grids are sized by it)

// Temporary device buffer from the caching allocator, returned to the cache at scope exit. Safe
// because every kernel runs on stream(): a later user of the block is ordered after this one's work.
class Scratch {
 public:
  explicit Scratch(std::size_t bytes) : p_(bytes ? alloc(bytes) : nullptr) {}
  ~Scratch() { free(p_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <typename T>
  T* as() const { return static_cast<T*>(p_); }

 private:
  void* p_;
};
}  // namespace iqnas::cuda

#define IQNAS_CUDA_CHECK(call) ::iqnas::cuda::check((call), #call, __FILE__, __LINE__)
#define IQNAS_CUDA_LAUNCH_CHECK() IQNAS_CUDA_CHECK(cudaGetLastError())

// Grid for a 1-D loop over n elements with 256-thread blocks (grid-stride loops cover the rest).
// The CPU emulation (tests/cuda_emu) lowers the cap to force the grid-stride paths.
#ifndef IQNAS_GRID_CAP
#define IQNAS_GRID_CAP (65535LL * 8)
#endif
inline unsigned iqnas_grid(long long n) {
  const long long b = (n + 255) / 256, cap = IQNAS_GRID_CAP;
  return static_cast<unsigned>(b < 1 ? 1 : (b > cap ? cap : b));
}
