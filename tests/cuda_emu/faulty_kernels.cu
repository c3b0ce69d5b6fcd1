// Kernels with the bugs the emulation must catch (tests/cuda_emu/test_emulation.cpp): compiled
// only into the emulation, through the same launch rewrite as kernels/cuda/*.cu.
#include "kernels/cuda/check.h"
#include "kernels/cuda/vec.h"
#include "tests/cuda_emu/faulty_kernels.h"

namespace iqnas_emu::faulty {
namespace {
using iqnas::cuda::stream;

__global__ void k_copy(const float* x, float* y, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = x[i];
}
// Threads above 127 return before the barrier the others wait at.
__global__ void k_divergent_barrier(float* y) {
  __shared__ float s[256];
  if (threadIdx.x >= 128) return;
  s[threadIdx.x] = 1.f;
  __syncthreads();
  y[threadIdx.x] = s[127 - threadIdx.x];
}
// Reads a neighbour's shared value without a barrier in between: the result depends on the order
// in which the threads run.
__global__ void k_missing_barrier(float* y) {
  __shared__ float s[256];
  s[threadIdx.x] = float(threadIdx.x + 1);
  y[threadIdx.x] = s[255 - threadIdx.x];  // correct (with a barrier): 256 - threadIdx.x
}
__global__ void k_load4(const float* x, float* y) {
  const float4 v = iqnas::cuda::vload<float4>(x);
  y[0] = v.x;
}
}  // namespace

void copy(const float* x, float* y, int n, int block) {
  k_copy<<<(n + block - 1) / block, block, 0, stream()>>>(x, y, n);
  IQNAS_CUDA_LAUNCH_CHECK();
}
void divergent_barrier(float* y) {
  k_divergent_barrier<<<1, 256, 0, stream()>>>(y);
  IQNAS_CUDA_LAUNCH_CHECK();
}
void missing_barrier(float* y) {
  k_missing_barrier<<<1, 256, 0, stream()>>>(y);
  IQNAS_CUDA_LAUNCH_CHECK();
}
void load4(const float* x, float* y) {
  k_load4<<<1, 1, 0, stream()>>>(x, y);
  IQNAS_CUDA_LAUNCH_CHECK();
}
}  // namespace iqnas_emu::faulty
