// Caching device allocator: freed blocks are kept in size-bucketed free lists and reused, so a
// training step does no cudaMalloc after the first one. Sizes are rounded up to 512 bytes (small)
// or 2 MiB (large) so that blocks of slightly different sizes share buckets.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <unordered_map>
#include <unordered_set>

#include "kernels/cuda/check.h"
#include "kernels/device.h"

namespace iqnas::cuda {
namespace {
struct Cache {
  std::mutex mu;
  std::multimap<size_t, void*> free_blocks;     // size -> block
  std::unordered_map<void*, size_t> live;       // block -> size
  std::unordered_set<void*> pinned;              // blocks from cudaMallocHost (alloc_host)
  ~Cache() = default;  // the driver releases memory at exit
};
// Under the CPU emulation (tests/cuda_emu) every block has its exact size and goes straight back
// to the runtime, so that AddressSanitizer sees each overrun and each use after free.
#ifdef IQNAS_CUDA_EMULATION
constexpr bool kCaching = false;
#else
constexpr bool kCaching = true;
#endif
Cache& cache() {
  static Cache* c = new Cache;  // never destroyed: frees may come from static destructors
  return *c;
}
size_t round_size(size_t b) {
  if (!kCaching) return b;
  const size_t q = b < (1u << 20) ? 512 : (2u << 20);
  return (b + q - 1) / q * q;
}
}  // namespace

bool compiled() { return true; }

bool available() { return unavailable_reason().empty(); }

std::string unavailable_reason() {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    cudaGetLastError();
    return std::string("cudaGetDeviceCount failed: ") + cudaGetErrorString(e) + " (error " + std::to_string(int(e)) + ")";
  }
  return n > 0 ? std::string() : "cudaGetDeviceCount found no device";
}

cudaStream_t stream() {
  static cudaStream_t s = [] {
    cudaStream_t st;
    IQNAS_CUDA_CHECK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
    return st;
  }();
  return s;
}

int sm_count() {
  static int n = [] {
    int dev = 0, v = 0;
    IQNAS_CUDA_CHECK(cudaGetDevice(&dev));
    IQNAS_CUDA_CHECK(cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, dev));
    return v > 0 ? v : 1;
  }();
  return n;
}

void* alloc(std::size_t bytes) {
  const size_t size = round_size(bytes ? bytes : 1);
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  auto it = c.free_blocks.lower_bound(size);
  if (kCaching && it != c.free_blocks.end() && it->first <= size * 2) {
    void* p = it->second;
    c.live[p] = it->first;
    c.free_blocks.erase(it);
    return p;
  }
  void* p = nullptr;
  if (cudaMalloc(&p, size) != cudaSuccess) {
    // Out of memory: give the cache back to the driver and try once more.
    cudaGetLastError();
    for (auto& kv : c.free_blocks) cudaFree(kv.second);
    c.free_blocks.clear();
    IQNAS_CUDA_CHECK(cudaMalloc(&p, size));
  }
  c.live[p] = size;
  return p;
}

void free(void* p) {
  if (!p) return;
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  auto it = c.live.find(p);
  if (it == c.live.end()) {
    // A double free or a pointer this allocator never gave out: memory corruption, stop here.
    std::fprintf(stderr, "iqnas: cuda::free(%p): not a live block of the device allocator\n", p);
    std::abort();
  }
  if (kCaching)
    c.free_blocks.emplace(it->second, p);
  else
    IQNAS_CUDA_CHECK(cudaFree(p));
  c.live.erase(it);
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  IQNAS_CUDA_CHECK(cudaStreamSynchronize(stream()));
  for (auto& kv : c.free_blocks) cudaFree(kv.second);
  c.free_blocks.clear();
}

void copy_h2d(void* dst, const void* src, std::size_t bytes) {
  IQNAS_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream()));
  IQNAS_CUDA_CHECK(cudaStreamSynchronize(stream()));
}
void copy_d2h(void* dst, const void* src, std::size_t bytes) {
  IQNAS_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream()));
  IQNAS_CUDA_CHECK(cudaStreamSynchronize(stream()));
}
void copy_d2d(void* dst, const void* src, std::size_t bytes) {
  IQNAS_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream()));
}
void memset_zero(void* dst, std::size_t bytes) {
  IQNAS_CUDA_CHECK(cudaMemsetAsync(dst, 0, bytes, stream()));
}
void synchronize() { IQNAS_CUDA_CHECK(cudaStreamSynchronize(stream())); }

// Pinned blocks are remembered here rather than asked of the runtime at free time: a loader freed
// by a static destructor runs after the runtime has unloaded, when every query fails.
void* alloc_host(std::size_t bytes) {
  void* p = nullptr;
  if (available() && cudaMallocHost(&p, bytes) == cudaSuccess) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    c.pinned.insert(p);
    return p;
  }
  cudaGetLastError();
  p = std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
  if (!p) throw std::bad_alloc();
  return p;
}

void free_host(void* p) {
  if (!p) return;
  Cache& c = cache();
  std::unique_lock<std::mutex> lock(c.mu);
  if (c.pinned.erase(p) == 0) {
    lock.unlock();
    std::free(p);
    return;
  }
  lock.unlock();
  // After the runtime has unloaded (exit) the process is ending and the driver reclaims the block.
  const cudaError_t e = cudaFreeHost(p);
  if (e == cudaErrorCudartUnloading) {
    cudaGetLastError();
    return;
  }
  IQNAS_CUDA_CHECK(e);
}

}  // namespace iqnas::cuda
