// Launchers of tests/cuda_emu/faulty_kernels.cu (each throws what IQNAS_CUDA_LAUNCH_CHECK throws).
#pragma once

namespace iqnas_emu::faulty {
void copy(const float* x, float* y, int n, int block);  // y = x, blocks of `block` threads
void divergent_barrier(float* y);                       // y: 128 floats
void missing_barrier(float* y);                         // y: 256 floats
void load4(const float* x, float* y);                   // one float4 load from x
}  // namespace iqnas_emu::faulty
