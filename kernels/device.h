// Device memory and copies. The CUDA build implements these in kernels/cuda/device.cu (a caching
// allocator); the CPU-only build in kernels/no_cuda.cpp, where every call reports that CUDA is absent.
#pragma once
#include <cstddef>
#include <string>

namespace iqnas {

enum class Device : unsigned char { CPU = 0, CUDA = 1 };

const char* device_name(Device d);

namespace cuda {
bool compiled();                 // built with the CUDA backend
bool available();                // compiled and a device is present
std::string unavailable_reason();  // why available() is false ("" when it is true), e.g. the CUDA error
void* alloc(std::size_t bytes);  // from the caching allocator; never nullptr (throws)
void free(void* p);              // back to the cache
void empty_cache();
void copy_h2d(void* dst, const void* src, std::size_t bytes);
void copy_d2h(void* dst, const void* src, std::size_t bytes);
void copy_d2d(void* dst, const void* src, std::size_t bytes);
void memset_zero(void* dst, std::size_t bytes);
void synchronize();
// Page-locked host memory for batches that are copied to the GPU; plain 64-byte-aligned memory in
// a build without CUDA (so loaders use it unconditionally).
void* alloc_host(std::size_t bytes);
void free_host(void* p);
}  // namespace cuda

// Throws std::runtime_error naming the op when a CUDA tensor reaches a CPU-only build.
[[noreturn]] void no_cuda(const char* op);

}  // namespace iqnas
