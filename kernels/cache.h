// Evicting a buffer from every cache level, so that latency can be timed with weights in memory
// (predictor/latency_measure.h, "cold" cache state). x86-64: clflush per line; AArch64: dc civac.
#pragma once
#include <cstddef>
#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace iqnas {

// True where evict_from_caches does evict (elsewhere it is a no-op).
constexpr bool kCanEvictFromCaches =
#if defined(__x86_64__) || defined(__aarch64__)
    true;
#else
    false;
#endif

inline void evict_from_caches(const void* data, size_t bytes) {
  constexpr uintptr_t kLine = 64;  // the smallest line of the supported CPUs; flushing more often is harmless
  const uintptr_t begin = reinterpret_cast<uintptr_t>(data) & ~(kLine - 1);
  const uintptr_t end = reinterpret_cast<uintptr_t>(data) + bytes;
  for (uintptr_t p = begin; p < end; p += kLine) {
#if defined(__x86_64__)
    _mm_clflush(reinterpret_cast<const void*>(p));
#elif defined(__aarch64__)
    asm volatile("dc civac, %0" ::"r"(p) : "memory");
#endif
  }
}

// Waits for the evictions to complete before anything timed starts.
inline void evict_fence() {
#if defined(__x86_64__)
  _mm_mfence();
#elif defined(__aarch64__)
  asm volatile("dsb ish" ::: "memory");
#endif
}

}  // namespace iqnas
