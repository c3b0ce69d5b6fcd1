// Host-side stand-in for <cuda_runtime.h>: lets kernels/cuda/*.cu compile as plain C++ and run on the
// CPU under an emulation of the CUDA execution model (tests/cuda_emu/emu_runtime.cpp). Every CUDA
// thread of a block is a fiber with its own stack; __syncthreads is a real barrier across the
// block's fibers; __shared__ is one static per kernel (blocks run one after another); device memory
// is exact-size host memory that kernels, copies and cuBLAS calls are checked against.
// Launches `k<<<grid, block, shmem, stream>>>(args)` are rewritten by rewrite_launches.cmake into
// `::iqnas_emu::Launch(grid, block, shmem, stream)(k, args)`.
#pragma once
#include <math.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static

struct uint3 {
  unsigned x, y, z;
};
struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct alignas(16) float4 {
  float x, y, z, w;
};
struct alignas(8) float2 {
  float x, y;
};
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline float2 make_float2(float x, float y) { return {x, y}; }

// The built-in index variables of the running CUDA thread (set by the emulator before it resumes a fiber).
inline uint3 threadIdx, blockIdx, blockDim, gridDim;

enum cudaError_t {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorCudartUnloading = 4,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidDevicePointer = 17,
  cudaErrorInsufficientDriver = 35,
  cudaErrorNoDevice = 100,
  cudaErrorIllegalAddress = 700,
  cudaErrorLaunchFailure = 719,
};
enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
};
enum cudaMemoryType { cudaMemoryTypeUnregistered = 0, cudaMemoryTypeHost = 1, cudaMemoryTypeDevice = 2 };
struct cudaPointerAttributes {
  cudaMemoryType type;
  int device;
  void* devicePointer;
  void* hostPointer;
};
enum cudaDeviceAttr { cudaDevAttrMultiProcessorCount = 16 };
using cudaStream_t = struct CUstream_st*;
constexpr unsigned cudaStreamNonBlocking = 1;

cudaError_t cudaGetDeviceCount(int* n);
cudaError_t cudaGetDevice(int* d);
cudaError_t cudaDeviceGetAttribute(int* v, cudaDeviceAttr a, int device);
cudaError_t cudaMalloc(void** p, std::size_t bytes);
cudaError_t cudaFree(void* p);
cudaError_t cudaMallocHost(void** p, std::size_t bytes);
cudaError_t cudaFreeHost(void* p);
cudaError_t cudaPointerGetAttributes(cudaPointerAttributes* attr, const void* p);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind, cudaStream_t s);
cudaError_t cudaMemcpy2DAsync(void* dst, std::size_t dpitch, const void* src, std::size_t spitch, std::size_t width,
                              std::size_t height, cudaMemcpyKind kind, cudaStream_t s);
cudaError_t cudaMemsetAsync(void* dst, int value, std::size_t bytes, cudaStream_t s);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned flags);
cudaError_t cudaStreamSynchronize(cudaStream_t s);
cudaError_t cudaGetLastError();
cudaError_t cudaPeekAtLastError();
const char* cudaGetErrorString(cudaError_t e);

void __syncthreads();
inline float __ldg(const float* p) { return *p; }
float4 __ldg(const float4* p);  // checks 16-byte alignment, as the hardware would fault
inline float rsqrtf(float x) { return 1.f / std::sqrt(x); }

namespace iqnas_emu {
// Test knobs (environment, read once): IQNAS_EMU_SMS (multiprocessor count, default 132),
// IQNAS_EMU_GRID_CAP (largest 1-D grid iqnas_grid returns), IQNAS_EMU_REVERSE=1 (run the threads of
// a block in reverse order between barriers, which exposes a missing barrier), IQNAS_EMU_DEVICES=0
// (cudaGetDeviceCount fails with cudaErrorNoDevice).
long long grid_cap();

// Whether [p, p + bytes) lies inside one live device allocation.
bool is_device(const void* p, std::size_t bytes = 1);

// Runs body(ctx) once per CUDA thread of every block (fibers while the kernel synchronises).
// An invalid configuration is recorded for cudaGetLastError and nothing runs.
void run_kernel(const void* kernel, const char* file, int line, dim3 grid, dim3 block, void (*body)(void*), void* ctx);
// Records a launch error for cudaGetLastError and prints what and where.
void fail_launch(cudaError_t e, const char* file, int line, const char* what, int arg);

class Launch {
 public:
  Launch(const char* file, int line, dim3 grid, dim3 block, std::size_t = 0, cudaStream_t = nullptr)
      : file_(file), line_(line), grid_(grid), block_(block) {}
  template <typename... P, typename... A>
  void operator()(void (*kernel)(P...), A&&... args) const {
    static_assert(sizeof...(P) == sizeof...(A), "kernel argument count");
    // Arguments are copied by value into the launch, as CUDA does.
    struct Ctx {
      void (*k)(P...);
      std::tuple<std::decay_t<P>...> a;
    } ctx{kernel, std::tuple<std::decay_t<P>...>(static_cast<std::decay_t<P>>(args)...)};
    // A pointer argument must be null or device memory: a host pointer is an illegal address on a GPU.
    int bad = -1, i = 0;
    std::apply(
        [&](const auto&... v) {
          (((std::is_pointer_v<std::decay_t<decltype(v)>> && bad < 0 && !ptr_ok(v)) ? void(bad = i) : void(), ++i),
           ...);
        },
        ctx.a);
    if (bad >= 0) return fail_launch(cudaErrorIllegalAddress, file_, line_, "is not device memory", bad);
    run_kernel(reinterpret_cast<const void*>(kernel), file_, line_, grid_, block_,
               [](void* c) {
                 Ctx& x = *static_cast<Ctx*>(c);
                 std::apply(x.k, x.a);
               },
               &ctx);
  }

 private:
  template <typename T>
  static bool ptr_ok(const T& v) {
    if constexpr (std::is_pointer_v<T>)
      return v == nullptr || is_device(v);
    else
      return true;
  }
  const char* file_;
  int line_;
  dim3 grid_, block_;
};
}  // namespace iqnas_emu

// kernels/cuda/check.h caps 1-D grids with this; the emulation can cap them lower to force grid-stride loops.
#define IQNAS_GRID_CAP (::iqnas_emu::grid_cap())
