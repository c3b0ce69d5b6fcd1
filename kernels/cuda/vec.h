// Channel vectors for the per-channel kernels: float (V = 1) or float4 (V = 4, 16-byte accesses
// when C % 4 == 0 and the pointers are 16-byte aligned). Device-only helpers.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace iqnas::cuda {

template <int V>
struct VecOf;
template <>
struct VecOf<1> {
  using T = float;
};
template <>
struct VecOf<4> {
  using T = float4;
};

__device__ __forceinline__ void vzero(float& a) { a = 0.f; }
__device__ __forceinline__ void vzero(float4& a) { a = make_float4(0.f, 0.f, 0.f, 0.f); }
// acc += a * b
__device__ __forceinline__ void vfma(float& acc, float a, float b) { acc = fmaf(a, b, acc); }
__device__ __forceinline__ void vfma(float4& acc, const float4& a, const float4& b) {
  acc.x = fmaf(a.x, b.x, acc.x);
  acc.y = fmaf(a.y, b.y, acc.y);
  acc.z = fmaf(a.z, b.z, acc.z);
  acc.w = fmaf(a.w, b.w, acc.w);
}
__device__ __forceinline__ void vadd(float& acc, float a) { acc += a; }
__device__ __forceinline__ void vadd(float4& acc, const float4& a) {
  acc.x += a.x;
  acc.y += a.y;
  acc.z += a.z;
  acc.w += a.w;
}
template <typename T>
__device__ __forceinline__ T vload(const float* p);
template <>
__device__ __forceinline__ float vload<float>(const float* p) { return __ldg(p); }
template <>
__device__ __forceinline__ float4 vload<float4>(const float* p) { return __ldg(reinterpret_cast<const float4*>(p)); }
__device__ __forceinline__ void vstore(float* p, float v) { *p = v; }
__device__ __forceinline__ void vstore(float* p, const float4& v) { *reinterpret_cast<float4*>(p) = v; }

inline bool aligned16(const void* p) { return (reinterpret_cast<std::uintptr_t>(p) & 15u) == 0; }

}  // namespace iqnas::cuda
