#include "kernels/device.h"
#include "kernels/gemm.h"
#include "kernels/nccl.h"

#include <cstdlib>
#include <new>

namespace iqnas {

namespace cuda {
bool compiled() { return false; }
bool available() { return false; }
std::string unavailable_reason() { return "this build of iqnas has no CUDA backend"; }
void* alloc(std::size_t) { no_cuda("cuda::alloc"); }
void free(void*) { no_cuda("cuda::free"); }
void empty_cache() {}
void copy_h2d(void*, const void*, std::size_t) { no_cuda("cuda::copy_h2d"); }
void copy_d2h(void*, const void*, std::size_t) { no_cuda("cuda::copy_d2h"); }
void copy_d2d(void*, const void*, std::size_t) { no_cuda("cuda::copy_d2d"); }
void memset_zero(void*, std::size_t) { no_cuda("cuda::memset_zero"); }
void synchronize() {}
void* alloc_host(std::size_t bytes) {
  void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
  if (!p) throw std::bad_alloc();
  return p;
}
void free_host(void* p) { std::free(p); }
void set_tf32(bool) { no_cuda("cuda::set_tf32"); }
bool nccl_compiled() { return false; }
std::string nccl_unique_id() { no_cuda("cuda::nccl_unique_id"); }
void* nccl_init(const std::string&, int, int) { no_cuda("cuda::nccl_init"); }
void nccl_destroy(void*) {}
void nccl_abort(void*) {}
void* nccl_allreduce_start(void*, float*, std::size_t, bool) { no_cuda("cuda::nccl_allreduce_start"); }
bool nccl_allreduce_done(void*, void*) { no_cuda("cuda::nccl_allreduce_done"); }
}  // namespace cuda
}  // namespace iqnas
