#include "kernels/host_alloc.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>

namespace iqnas {
namespace {

constexpr std::size_t kCacheMin = 64 << 10;  // below this malloc is fast enough

// Sizes are rounded up to a multiple of 1/8 of their power of two, so near sizes share a bucket
// and the waste is at most 12.5%.
std::size_t bucket_size(std::size_t b) {
  std::size_t p = 1;
  while (p < b) p <<= 1;
  const std::size_t q = p >= 64 * 8 ? p / 8 : 64;
  return (b + q - 1) / q * q;
}

struct HostCache {
  std::mutex mu;
  std::multimap<std::size_t, void*> free_blocks;
};
HostCache& cache() {
  static HostCache* c = new HostCache;  // never destroyed: tensors may die in static destructors
  return *c;
}

void* raw_alloc(std::size_t bytes) {
  void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
  if (!p) throw std::bad_alloc();
  return p;
}

}  // namespace

void* host_alloc(std::size_t bytes) {
  if (bytes < kCacheMin) return raw_alloc(bytes ? bytes : 1);
  const std::size_t size = bucket_size(bytes);
  HostCache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free_blocks.find(size);
    if (it != c.free_blocks.end()) {
      void* p = it->second;
      c.free_blocks.erase(it);
      return p;
    }
  }
  return raw_alloc(size);
}

void host_free(void* p, std::size_t bytes) {
  if (!p) return;
  if (bytes < kCacheMin) {
    std::free(p);
    return;
  }
  HostCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.free_blocks.emplace(bucket_size(bytes), p);
}

}  // namespace iqnas
