// The CUDA backend as a module opened at run time (docs/cuda.md). The CUDA kernels and the CUDA
// libraries they use (cudart, cuBLAS) live in libiqnas_cuda.so; the program links none of them, so
// it starts fast and runs on the CPU where no CUDA library is installed. The module is opened the
// first time a CUDA device is asked for (cuda::available(), cuda::alloc()).
//
// This file is compiled twice:
// - into the module (IQNAS_CUDA_MODULE): iqnas_cuda_device_api(), the module's kernels/device.h;
// - into the program: kernels/device.h's cuda:: functions, which open the module, and the slots of
//   the stubs generated from the module's symbols (cmake/cuda_stubs.cmake): every other cuda::
//   function (the kernel twins of kernels/*.h) is a stub that jumps through its slot into the
//   module. Kernel twins only receive device memory, which only exists once the module is open.
#include <cstddef>

#include "kernels/device.h"

namespace iqnas::cuda_module {
struct DeviceApi {
  bool (*available)();
  void* (*alloc)(std::size_t);
  void (*free)(void*);
  void (*empty_cache)();
  void (*copy_h2d)(void*, const void*, std::size_t);
  void (*copy_d2h)(void*, const void*, std::size_t);
  void (*copy_d2d)(void*, const void*, std::size_t);
  void (*memset_zero)(void*, std::size_t);
  void (*synchronize)();
  void* (*alloc_host)(std::size_t);
  void (*free_host)(void*);
  std::string (*unavailable_reason)();
};
}  // namespace iqnas::cuda_module

#ifdef IQNAS_CUDA_MODULE

extern "C" __attribute__((visibility("default"))) const iqnas::cuda_module::DeviceApi* iqnas_cuda_device_api() {
  namespace c = iqnas::cuda;
  static const iqnas::cuda_module::DeviceApi api{&c::available,   &c::alloc,      &c::free,        &c::empty_cache,
                                                 &c::copy_h2d,    &c::copy_d2h,   &c::copy_d2d,    &c::memset_zero,
                                                 &c::synchronize, &c::alloc_host, &c::free_host,   &c::unavailable_reason};
  return &api;
}

#else

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

[[noreturn]] void stub_before_load() {
  throw std::runtime_error("a CUDA kernel was called before the CUDA module (libiqnas_cuda.so) was opened");
}

const char* const kStubNames[] = {
#include "cuda_stub_names.inc"
};
constexpr std::size_t kNumStubs = sizeof(kStubNames) / sizeof(kStubNames[0]);

}  // namespace

// One slot per stub (cuda_stubs.S jumps through iqnas_cuda_slots[i]); filled when the module opens.
extern "C" {
void* iqnas_cuda_slots[kNumStubs];
}

namespace {
[[maybe_unused]] const bool g_slots_ready = [] {
  for (auto& slot : iqnas_cuda_slots) slot = reinterpret_cast<void*>(&stub_before_load);
  return true;
}();
}  // namespace

namespace iqnas::cuda {
namespace {

struct Module {
  const cuda_module::DeviceApi* api = nullptr;  // null: not available
  std::string error;                            // why, when not available
};

std::string program_dir() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  const std::string exe(buf, static_cast<std::size_t>(n));
  return exe.substr(0, exe.rfind('/'));
}

// $IQNAS_CUDA_MODULE alone when set; else beside the program in the install layout
// (bin/../<libdir>), in the build tree (<build>/<dir>/../<libdir>, one level deeper for tests
// and benchmarks), then the dynamic loader's search path.
std::vector<std::string> candidates() {
  if (const char* m = std::getenv("IQNAS_CUDA_MODULE"); m && *m) return {m};
  const std::string dir = program_dir(), rel = IQNAS_CUDA_MODULE_RELDIR, name = "/libiqnas_cuda.so";
  return {dir + "/" + rel + name, dir + "/../" + rel + name, "libiqnas_cuda.so"};
}

Module open_module() {
  Module m;
  std::string tried;
  void* h = nullptr;
  for (const auto& path : candidates()) {
    h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (h) break;
    tried += std::string("\n  ") + dlerror();
  }
  if (!h) {
    m.error = "the CUDA module libiqnas_cuda.so could not be opened (set IQNAS_CUDA_MODULE to its path; it "
              "needs the CUDA runtime and cuBLAS libraries):" + tried;
    return m;
  }
  auto entry = reinterpret_cast<const cuda_module::DeviceApi* (*)()>(dlsym(h, "iqnas_cuda_device_api"));
  for (std::size_t i = 0; entry && i < kNumStubs; ++i) {
    iqnas_cuda_slots[i] = dlsym(h, kStubNames[i]);
    if (!iqnas_cuda_slots[i]) {
      m.error = std::string("the CUDA module lacks ") + kStubNames[i] + ": it comes from another build of iqnas";
      return m;
    }
  }
  if (!entry) {
    m.error = "libiqnas_cuda.so has no iqnas_cuda_device_api: not the CUDA module of iqnas";
    return m;
  }
  m.api = entry();
  if (!m.api->available()) {
    m.error = "the CUDA module is loaded, but no CUDA device is usable: " + m.api->unavailable_reason();
    m.api = nullptr;  // the kernels stay reachable but nothing can allocate device memory
  }
  return m;
}

std::once_flag g_once;
Module g_module;
std::atomic<bool> g_opened{false};  // open_module() has run: g_module is final

const Module& module() {
  std::call_once(g_once, [] {
    g_module = open_module();
    g_opened.store(true, std::memory_order_release);
  });
  return g_module;
}

// The module's API when it is already open and usable; nullptr otherwise (never opens it).
const cuda_module::DeviceApi* opened_api() {
  return g_opened.load(std::memory_order_acquire) ? g_module.api : nullptr;
}

const cuda_module::DeviceApi& api(const char* op) {
  const Module& m = module();
  if (!m.api) throw std::runtime_error(std::string(op) + ": " + m.error);
  return *m.api;
}

// Pinned host buffers come from the module only when it is already open (a CPU run never opens
// it); which buffers those are is remembered so each is freed by the allocator that made it.
std::mutex g_pinned_mutex;
std::unordered_set<void*> g_pinned;

}  // namespace

bool compiled() { return true; }
bool available() { return module().api != nullptr; }
std::string unavailable_reason() { return module().api ? std::string() : module().error; }
void* alloc(std::size_t bytes) { return api("cuda::alloc").alloc(bytes); }
void free(void* p) { api("cuda::free").free(p); }
void empty_cache() {
  if (auto* m = opened_api()) m->empty_cache();
}
void copy_h2d(void* dst, const void* src, std::size_t bytes) { api("cuda::copy_h2d").copy_h2d(dst, src, bytes); }
void copy_d2h(void* dst, const void* src, std::size_t bytes) { api("cuda::copy_d2h").copy_d2h(dst, src, bytes); }
void copy_d2d(void* dst, const void* src, std::size_t bytes) { api("cuda::copy_d2d").copy_d2d(dst, src, bytes); }
void memset_zero(void* dst, std::size_t bytes) { api("cuda::memset_zero").memset_zero(dst, bytes); }
void synchronize() {
  if (auto* m = opened_api()) m->synchronize();
}
void* alloc_host(std::size_t bytes) {
  if (auto* m = opened_api()) {
    void* p = m->alloc_host(bytes);
    std::lock_guard<std::mutex> lock(g_pinned_mutex);
    g_pinned.insert(p);
    return p;
  }
  void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
  if (!p) throw std::bad_alloc();
  return p;
}
void free_host(void* p) {
  {
    std::lock_guard<std::mutex> lock(g_pinned_mutex);
    if (g_pinned.erase(p)) {
      opened_api()->free_host(p);
      return;
    }
  }
  std::free(p);
}

}  // namespace iqnas::cuda

// Stubs of a build whose module exports no other cuda:: function still need one slot.
static_assert(kNumStubs > 0, "no CUDA kernel stubs were generated");

#endif
