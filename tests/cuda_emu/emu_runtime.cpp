// The CUDA emulation behind tests/cuda_emu/include/{cuda_runtime,cublas_v2}.h. Single OS thread:
// blocks run one after another; inside a block every CUDA thread is a fiber that runs
// until it reaches __syncthreads or exits, so barriers are real and shared memory is block-wide.
// Kernels whose first block never synchronises run their threads as plain calls afterwards.
// Device memory is exact-size host memory filled with NaN; pointers handed to kernels, copies and
// cuBLAS must lie in it. Errors a GPU would raise at a launch are returned by cudaGetLastError;
// errors inside a kernel (barrier divergence) abort with a message, as a device fault would.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "tests/cuda_emu/emu_control.h"

#if defined(__SANITIZE_ADDRESS__)
#define IQNAS_EMU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IQNAS_EMU_ASAN 1
#endif
#endif
#ifdef IQNAS_EMU_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace iqnas_emu {
namespace {

struct Config {
  int sms = 132;
  long long grid_cap = 65535LL * 8;
  bool reverse = false;
  int devices = 1;
};
long long env_int(const char* name, long long def) {
  const char* e = std::getenv(name);
  return e && *e ? std::atoll(e) : def;
}
const Config& cfg() {
  static const Config c = [] {
    Config k;
    k.sms = int(std::max(1LL, env_int("IQNAS_EMU_SMS", k.sms)));
    k.grid_cap = std::max(1LL, env_int("IQNAS_EMU_GRID_CAP", k.grid_cap));
    k.reverse = env_int("IQNAS_EMU_REVERSE", 0) != 0;
    k.devices = int(env_int("IQNAS_EMU_DEVICES", 1));
    return k;
  }();
  return c;
}

struct State {
  std::mutex mu;
  std::map<std::uintptr_t, std::size_t> device;  // base -> exact size
  std::map<void*, void*> pinned;                 // returned pointer -> malloc'd base
  cudaError_t last = cudaSuccess;
  bool unloading = false;
  long long launches = 0, d2h = 0, h2d = 0;
};
State& st() {
  static State* s = new State;  // never destroyed: frees come from static destructors
  return *s;
}

[[noreturn]] void fault(const std::string& what) {
  std::fprintf(stderr, "cuda emulation: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

cudaError_t error(cudaError_t e, const std::string& what) {
  std::fprintf(stderr, "cuda emulation: %s\n", what.c_str());
  st().last = e;
  return e;
}

bool in_device(const void* p, std::size_t bytes) {
  State& s = st();
  std::lock_guard<std::mutex> lock(s.mu);
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  auto it = s.device.upper_bound(a);
  if (it == s.device.begin()) return false;
  --it;
  return a >= it->first && a + bytes <= it->first + std::max<std::size_t>(it->second, 1);
}
bool touches_device(const void* p, std::size_t bytes) {
  State& s = st();
  std::lock_guard<std::mutex> lock(s.mu);
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  auto it = s.device.upper_bound(a + std::max<std::size_t>(bytes, 1) - 1);
  if (it == s.device.begin()) return false;
  --it;
  return it->first + std::max<std::size_t>(it->second, 1) > a;
}

// ---- fibers ----------------------------------------------------------------------------------
// A fiber switch saves the callee-saved registers on the current stack and loads the other stack.
// (ucontext's swapcontext would do, but makes a signal-mask system call per switch, which made it
// the emulation's main cost.) x86-64 System V only.
extern "C" void iqnas_emu_switch(void** save_sp, void* load_sp);
asm(R"(
.pushsection .text
.globl iqnas_emu_switch
.type iqnas_emu_switch, @function
iqnas_emu_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
.size iqnas_emu_switch, .-iqnas_emu_switch
.popsection
)");

constexpr std::size_t kStack = 256 * 1024;
struct Fiber {
  void* sp = nullptr;  // saved stack pointer while suspended
  char* stack = nullptr;
  bool done = false;
  void* fake = nullptr;  // AddressSanitizer's fake stack while suspended
};
std::vector<Fiber> fibers;
void* sched_sp = nullptr;
int cur = -1;
bool fiber_mode = false, barrier_hit = false;
void (*g_body)(void*) = nullptr;
void* g_ctx = nullptr;
[[maybe_unused]] const void* main_bottom = nullptr;
[[maybe_unused]] std::size_t main_size = 0;

void to_scheduler(bool finished) {
  Fiber& f = fibers[cur];
#ifdef IQNAS_EMU_ASAN
  __sanitizer_start_switch_fiber(finished ? nullptr : &f.fake, main_bottom, main_size);
#endif
  iqnas_emu_switch(&f.sp, sched_sp);
#ifdef IQNAS_EMU_ASAN
  __sanitizer_finish_switch_fiber(fibers[cur].fake, &main_bottom, &main_size);
#endif
}

[[noreturn]] void fiber_main() {
#ifdef IQNAS_EMU_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &main_bottom, &main_size);
#endif
  g_body(g_ctx);
  fibers[cur].done = true;
  to_scheduler(true);
  fault("a finished fiber was resumed");
}

// A fresh fiber's stack, as iqnas_emu_switch leaves a suspended one: MXCSR and x87 control word,
// six callee-saved registers, then fiber_main as the return address (entered with rsp = 8 mod 16).
void start_fiber(Fiber& f) {
#ifdef IQNAS_EMU_ASAN
  // The previous fiber on this stack never returned from fiber_main: clear its frames' poison.
  __asan_unpoison_memory_region(f.stack + kStack - 4096, 4096);
#endif
  auto* top = reinterpret_cast<std::uint64_t*>((reinterpret_cast<std::uintptr_t>(f.stack) + kStack) & ~std::uintptr_t(15));
  *--top = 0;  // fiber_main's return address: never used, it does not return
  *--top = reinterpret_cast<std::uint64_t>(&fiber_main);
  for (int r = 0; r < 6; ++r) *--top = 0;
  *--top = 0x1F80ULL | (0x037FULL << 32);  // default MXCSR, x87 control word
  f.sp = top;
}

void resume(int t) {
  cur = t;
  [[maybe_unused]] void* fake = nullptr;
#ifdef IQNAS_EMU_ASAN
  __sanitizer_start_switch_fiber(&fake, fibers[t].stack, kStack);
#endif
  iqnas_emu_switch(&sched_sp, fibers[t].sp);
#ifdef IQNAS_EMU_ASAN
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
}

void set_thread(int t, const dim3& b) {
  threadIdx = uint3{unsigned(t) % b.x, (unsigned(t) / b.x) % b.y, unsigned(t) / (b.x * b.y)};
}

void run_block_fibers(int n, const dim3& b, const char* file, int line) {
  if (int(fibers.size()) < n) fibers.resize(n);
  for (int t = 0; t < n; ++t) {
    Fiber& f = fibers[t];
    if (!f.stack) {
      void* m = mmap(nullptr, kStack + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (m == MAP_FAILED) fault("cannot map a fiber stack");
      mprotect(m, 4096, PROT_NONE);  // guard page: a stack overflow faults
      f.stack = static_cast<char*>(m) + 4096;
    }
    start_fiber(f);
    f.done = false;
    f.fake = nullptr;
  }
  fiber_mode = true;
  int live = n;
  while (live > 0) {
    int arrived = 0, exited = 0;
    for (int i = 0; i < n; ++i) {
      const int t = cfg().reverse ? n - 1 - i : i;
      if (fibers[t].done) continue;
      set_thread(t, b);
      resume(t);
      if (fibers[t].done) {
        ++exited;
        --live;
      } else {
        ++arrived;
      }
    }
    const std::string where = std::string(" (kernel launched at ") + file + ":" + std::to_string(line) + ")";
    if (arrived && exited) fault("barrier divergence: threads of a block exited while others wait at __syncthreads" + where);
  }
  fiber_mode = false;
}

std::unordered_map<const void*, bool>& kernel_syncs() {
  static auto* m = new std::unordered_map<const void*, bool>;
  return *m;
}

float tf32(float v) {  // round to nearest, 10 mantissa bits (what TF32 tensor cores read)
  std::uint32_t u;
  std::memcpy(&u, &v, 4);
  if ((u & 0x7f800000u) != 0x7f800000u) u = (u + 0x1000u) & ~0x1fffu;
  std::memcpy(&v, &u, 4);
  return v;
}
}  // namespace

long long grid_cap() { return cfg().grid_cap; }
bool is_device(const void* p, std::size_t bytes) { return in_device(p, bytes); }
void set_runtime_unloading() { st().unloading = true; }
long long launches() { return st().launches; }
long long d2h_copies() { return st().d2h; }
long long h2d_copies() { return st().h2d; }

void fail_launch(cudaError_t e, const char* file, int line, const char* what, int arg) {
  error(e, std::string("kernel launched at ") + file + ":" + std::to_string(line) + ": " +
               (arg >= 0 ? "argument " + std::to_string(arg) + " " : std::string()) + what);
}

void run_kernel(const void* kernel, const char* file, int line, dim3 grid, dim3 block, void (*body)(void*), void* ctx) {
  const unsigned long long nt = 1ULL * block.x * block.y * block.z;
  if (nt == 0 || nt > 1024 || block.x > 1024 || block.y > 1024 || block.z > 64 || grid.x == 0 || grid.y == 0 ||
      grid.z == 0 || grid.x > 0x7fffffffu || grid.y > 65535 || grid.z > 65535)
    return fail_launch(cudaErrorInvalidConfiguration, file, line,
                       ("invalid configuration grid (" + std::to_string(grid.x) + "," + std::to_string(grid.y) + "," +
                        std::to_string(grid.z) + ") block (" + std::to_string(block.x) + "," +
                        std::to_string(block.y) + "," + std::to_string(block.z) + ")")
                           .c_str(),
                       -1);
  ++st().launches;
  blockDim = uint3{block.x, block.y, block.z};
  gridDim = uint3{grid.x, grid.y, grid.z};
  g_body = body;
  g_ctx = ctx;
  auto& known = kernel_syncs();
  const int n = int(nt);
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) {
        blockIdx = uint3{x, y, z};
        auto it = known.find(kernel);
        if (it == known.end() || it->second) {
          barrier_hit = false;
          run_block_fibers(n, block, file, line);
          known[kernel] = barrier_hit;
        } else {
          for (int i = 0; i < n; ++i) {
            set_thread(cfg().reverse ? n - 1 - i : i, block);
            body(ctx);
          }
        }
      }
}

}  // namespace iqnas_emu

using namespace iqnas_emu;

void __syncthreads() {
  if (!fiber_mode)
    fault("__syncthreads in a kernel whose first block never synchronised (data-dependent barrier)");
  barrier_hit = true;
  to_scheduler(false);
}

float4 __ldg(const float4* p) {
  if (reinterpret_cast<std::uintptr_t>(p) % 16) fault("misaligned float4 load");
  return *p;
}

// ---- runtime API ---------------------------------------------------------------------------
#define IQNAS_EMU_UNLOADING() \
  if (st().unloading) return st().last = cudaErrorCudartUnloading

cudaError_t cudaGetDeviceCount(int* n) {
  IQNAS_EMU_UNLOADING();
  *n = std::max(cfg().devices, 0);
  return *n > 0 ? cudaSuccess : (st().last = cudaErrorNoDevice);
}
cudaError_t cudaGetDevice(int* d) {
  *d = 0;
  return cudaSuccess;
}
cudaError_t cudaDeviceGetAttribute(int* v, cudaDeviceAttr a, int) {
  if (a != cudaDevAttrMultiProcessorCount) return error(cudaErrorInvalidValue, "unknown device attribute");
  *v = cfg().sms;
  return cudaSuccess;
}
cudaError_t cudaMalloc(void** p, std::size_t bytes) {
  IQNAS_EMU_UNLOADING();
  void* q = nullptr;
  if (posix_memalign(&q, 256, std::max<std::size_t>(bytes, 1)) != 0) return st().last = cudaErrorMemoryAllocation;
  std::fill_n(static_cast<float*>(q), bytes / sizeof(float), std::numeric_limits<float>::quiet_NaN());
  std::lock_guard<std::mutex> lock(st().mu);
  st().device[reinterpret_cast<std::uintptr_t>(q)] = bytes;
  *p = q;
  return cudaSuccess;
}
cudaError_t cudaFree(void* p) {
  if (!p) return cudaSuccess;
  std::size_t bytes = 0;
  {
    std::lock_guard<std::mutex> lock(st().mu);
    auto it = st().device.find(reinterpret_cast<std::uintptr_t>(p));
    if (it == st().device.end()) return error(cudaErrorInvalidDevicePointer, "cudaFree of a pointer that is not a device block");
    bytes = it->second;
    st().device.erase(it);
  }
  std::fill_n(static_cast<float*>(p), bytes / sizeof(float), std::numeric_limits<float>::quiet_NaN());
  std::free(p);
  return cudaSuccess;
}
// Pinned blocks start 64 bytes into their allocation, so that std::free of one fails loudly.
cudaError_t cudaMallocHost(void** p, std::size_t bytes) {
  IQNAS_EMU_UNLOADING();
  char* base = static_cast<char*>(std::malloc(bytes + 64));
  if (!base) return st().last = cudaErrorMemoryAllocation;
  std::lock_guard<std::mutex> lock(st().mu);
  st().pinned[base + 64] = base;
  *p = base + 64;
  return cudaSuccess;
}
cudaError_t cudaFreeHost(void* p) {
  IQNAS_EMU_UNLOADING();
  std::lock_guard<std::mutex> lock(st().mu);
  auto it = st().pinned.find(p);
  if (it == st().pinned.end()) return st().last = cudaErrorInvalidValue;
  std::free(it->second);
  st().pinned.erase(it);
  return cudaSuccess;
}
cudaError_t cudaPointerGetAttributes(cudaPointerAttributes* attr, const void* p) {
  IQNAS_EMU_UNLOADING();
  *attr = cudaPointerAttributes{cudaMemoryTypeUnregistered, 0, nullptr, nullptr};
  {
    std::lock_guard<std::mutex> lock(st().mu);
    if (st().pinned.count(const_cast<void*>(p))) attr->type = cudaMemoryTypeHost;
  }
  if (in_device(p, 1)) attr->type = cudaMemoryTypeDevice;
  return cudaSuccess;
}
namespace {
cudaError_t check_copy(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind) {
  const bool dd = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
  const bool sd = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
  if (dd ? !in_device(dst, bytes) : touches_device(dst, bytes))
    return error(cudaErrorInvalidValue, std::string("copy of ") + std::to_string(bytes) + " bytes: destination " +
                                            (dd ? "is not a device range" : "is device memory in a copy to the host"));
  if (sd ? !in_device(src, bytes) : touches_device(src, bytes))
    return error(cudaErrorInvalidValue, std::string("copy of ") + std::to_string(bytes) + " bytes: source " +
                                            (sd ? "is not a device range" : "is device memory in a copy from the host"));
  if (kind == cudaMemcpyDeviceToHost) ++st().d2h;
  if (kind == cudaMemcpyHostToDevice) ++st().h2d;
  return cudaSuccess;
}
}  // namespace
cudaError_t cudaMemcpyAsync(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind, cudaStream_t) {
  IQNAS_EMU_UNLOADING();
  if (bytes == 0) return cudaSuccess;
  if (cudaError_t e = check_copy(dst, src, bytes, kind)) return e;
  std::memmove(dst, src, bytes);
  return cudaSuccess;
}
cudaError_t cudaMemcpy2DAsync(void* dst, std::size_t dpitch, const void* src, std::size_t spitch, std::size_t width,
                              std::size_t height, cudaMemcpyKind kind, cudaStream_t) {
  IQNAS_EMU_UNLOADING();
  if (width == 0 || height == 0) return cudaSuccess;
  if (width > dpitch || width > spitch) return error(cudaErrorInvalidValue, "cudaMemcpy2D: width exceeds a pitch");
  for (std::size_t r = 0; r < height; ++r)
    if (cudaError_t e = cudaMemcpyAsync(static_cast<char*>(dst) + r * dpitch, static_cast<const char*>(src) + r * spitch,
                                        width, kind, nullptr))
      return e;
  return cudaSuccess;
}
cudaError_t cudaMemsetAsync(void* dst, int value, std::size_t bytes, cudaStream_t) {
  IQNAS_EMU_UNLOADING();
  if (bytes == 0) return cudaSuccess;
  if (!in_device(dst, bytes)) return error(cudaErrorInvalidValue, "cudaMemset of a range that is not device memory");
  std::memset(dst, value, bytes);
  return cudaSuccess;
}
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned) {
  static char token;
  *s = reinterpret_cast<cudaStream_t>(&token);
  return cudaSuccess;
}
cudaError_t cudaStreamSynchronize(cudaStream_t) {
  IQNAS_EMU_UNLOADING();
  return cudaSuccess;
}
cudaError_t cudaGetLastError() {
  const cudaError_t e = st().last;
  st().last = cudaSuccess;
  return e;
}
cudaError_t cudaPeekAtLastError() { return st().last; }
const char* cudaGetErrorString(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorCudartUnloading: return "driver shutting down";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidDevicePointer: return "invalid device pointer";
    case cudaErrorInsufficientDriver: return "CUDA driver version is insufficient for CUDA runtime version";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorIllegalAddress: return "an illegal memory access was encountered";
    case cudaErrorLaunchFailure: return "unspecified launch failure";
  }
  return "unknown error";
}

// ---- cuBLAS ----------------------------------------------------------------------------------
struct cublasContext {
  bool tf32 = false;
};
cublasStatus_t cublasCreate(cublasHandle_t* h) {
  *h = new cublasContext;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSetStream(cublasHandle_t h, cudaStream_t) {
  return h ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_NOT_INITIALIZED;
}
cublasStatus_t cublasSetMathMode(cublasHandle_t h, cublasMath_t mode) {
  if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
  h->tf32 = mode == CUBLAS_TF32_TENSOR_OP_MATH;
  return CUBLAS_STATUS_SUCCESS;
}
namespace {
cublasStatus_t blas_error(const std::string& what) {
  std::fprintf(stderr, "cuda emulation: cuBLAS: %s\n", what.c_str());
  return CUBLAS_STATUS_INVALID_VALUE;
}
// A column-major rows x cols operand with leading dimension ld must lie in device memory.
bool operand_ok(const float* p, long long rows, long long cols, long long ld) {
  if (rows <= 0 || cols <= 0) return true;
  return in_device(p, std::size_t((cols - 1) * ld + rows) * sizeof(float));
}
}  // namespace
cublasStatus_t cublasSgemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                           const float* alpha, const float* A, int lda, const float* B, int ldb, const float* beta,
                           float* C, int ldc) {
  if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
  // cuBLAS's own argument rules.
  if (m < 0 || n < 0 || k < 0) return blas_error("negative m, n or k");
  if (lda < std::max(1, ta == CUBLAS_OP_N ? m : k)) return blas_error("lda " + std::to_string(lda) + " too small");
  if (ldb < std::max(1, tb == CUBLAS_OP_N ? k : n)) return blas_error("ldb " + std::to_string(ldb) + " too small");
  if (ldc < std::max(1, m)) return blas_error("ldc " + std::to_string(ldc) + " too small");
  if (m == 0 || n == 0) return CUBLAS_STATUS_SUCCESS;
  const bool na = ta == CUBLAS_OP_N, nb = tb == CUBLAS_OP_N;
  if (k > 0 && (!operand_ok(A, na ? m : k, na ? k : m, lda) || !operand_ok(B, nb ? k : n, nb ? n : k, ldb)))
    return blas_error("A or B does not lie in device memory");
  if (!operand_ok(C, m, n, ldc)) return blas_error("C does not lie in device memory");
  auto rd = [&](float v) { return double(h->tf32 ? tf32(v) : v); };
  for (long long j = 0; j < n; ++j)
    for (long long i = 0; i < m; ++i) {
      double acc = 0;
      for (long long l = 0; l < k; ++l)
        acc += rd(na ? A[i + l * lda] : A[l + i * lda]) * rd(nb ? B[l + j * ldb] : B[j + l * ldb]);
      float& c = C[i + j * ldc];
      c = float(double(*alpha) * acc + (*beta == 0.f ? 0.0 : double(*beta) * c));  // beta == 0: C is not read
    }
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSscal(cublasHandle_t h, int n, const float* alpha, float* x, int incx) {
  if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (n <= 0 || incx <= 0) return CUBLAS_STATUS_SUCCESS;
  if (!in_device(x, std::size_t((n - 1LL) * incx + 1) * sizeof(float))) return blas_error("x does not lie in device memory");
  for (long long i = 0; i < n; ++i) x[i * incx] *= *alpha;
  return CUBLAS_STATUS_SUCCESS;
}
