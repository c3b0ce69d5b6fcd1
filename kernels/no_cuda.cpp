#include "kernels/device.h"

#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>

namespace iqnas {

const char* device_name(Device d) { return d == Device::CPU ? "cpu" : "cuda"; }

void no_cuda(const char* op) {
  throw std::runtime_error(std::string(op) + ": this build of iqnas has no CUDA backend "
                           "(reconfigure with -DIQNAS_CUDA=ON on a machine with nvcc)");
}

namespace cuda {
bool compiled() { return false; }
bool available() { return false; }
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
}  // namespace cuda
}  // namespace iqnas
