// The CUDA module (kernels/cuda_module.cpp) is looked for once per process, so each check runs in
// a child process of its own (gtest death-test machinery).
// - Absent (IQNAS_CUDA_MODULE names a missing file): no device is available, asking for device
//   memory throws a message naming the module, and the CPU paths (tensors, host buffers) work.
// - The build's own module: it opens and every stub finds its function; then either a device
//   works, or (no GPU or driver here) the message says the module loaded but no device is there.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "kernels/device.h"
#include "nn/tensor.h"

namespace iqnas {
namespace {

// Runs in the child: 0 when every expectation holds, else 1 with the reason on stderr.
int absent_module() {
  setenv("IQNAS_CUDA_MODULE", "/nonexistent/libiqnas_cuda.so", 1);
  void* before = cuda::alloc_host(100);  // plain host memory, before and after the look-up
  if (!cuda::compiled() || cuda::available()) return std::fprintf(stderr, "compiled/available wrong\n"), 1;
  try {
    cuda::alloc(16);
    return std::fprintf(stderr, "cuda::alloc succeeded without the module\n"), 1;
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    for (const char* part : {"cuda::alloc", "libiqnas_cuda.so", "IQNAS_CUDA_MODULE"})
      if (msg.find(part) == std::string::npos) return std::fprintf(stderr, "message lacks %s: %s\n", part, e.what()), 1;
  }
  try {
    Tensor::empty({2, 3}, Device::CUDA);
    return std::fprintf(stderr, "a CUDA tensor was made without the module\n"), 1;
  } catch (const std::runtime_error&) {
  }
  cuda::synchronize();
  cuda::empty_cache();
  void* after = cuda::alloc_host(100);
  cuda::free_host(before);
  cuda::free_host(after);
  Tensor t = Tensor::full({2, 3}, 1.5f);
  return t.data()[5] == 1.5f ? 0 : 1;
}

int build_module() {
  unsetenv("IQNAS_CUDA_MODULE");
  if (cuda::available()) {
    void* p = cuda::alloc(16);
    cuda::memset_zero(p, 16);
    cuda::free(p);
    return 0;
  }
  try {
    cuda::alloc(16);
    return std::fprintf(stderr, "cuda::alloc succeeded though no device is available\n"), 1;
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).find("no CUDA device") != std::string::npos) return 0;
    return std::fprintf(stderr, "the module did not open: %s\n", e.what()), 1;
  }
}

TEST(CudaModule, AbsentModuleMeansNoDeviceAndAClearMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(std::exit(absent_module()), ::testing::ExitedWithCode(0), "");
}

TEST(CudaModule, BuildModuleOpensAndResolvesEveryStub) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(std::exit(build_module()), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace iqnas
