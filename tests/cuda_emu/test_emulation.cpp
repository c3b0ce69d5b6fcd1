// Checks that need the CUDA emulation itself: that it catches the bugs it exists to catch, and
// properties a real GPU cannot show a test (host copies per op, the runtime unloading at exit).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "kernels/device.h"
#include "nn/ops.h"
#include "tests/cuda/cuda_test_util.h"
#include "tests/cuda_emu/emu_control.h"
#include "tests/cuda_emu/faulty_kernels.h"

namespace iqnas {
namespace {
using test::DevBuf;

TEST(Emulation, CatchesHostPointersAndBadLaunches) {
  std::vector<float> host(64, 1.f);
  DevBuf<float> x(host), y(64);
  iqnas_emu::faulty::copy(x.get(), y.get(), 64, 32);
  EXPECT_EQ(y.host(), host);
  EXPECT_THROW(iqnas_emu::faulty::copy(host.data(), y.get(), 64, 32), std::runtime_error);  // illegal address
  EXPECT_THROW(iqnas_emu::faulty::copy(x.get(), y.get(), 64, 2048), std::runtime_error);    // > 1024 threads
  EXPECT_THROW(cuda::copy_h2d(host.data(), x.get(), 256), std::runtime_error);              // wrong direction
  EXPECT_THROW(cuda::copy_d2h(host.data(), x.get(), 260), std::runtime_error);              // past the block
}

TEST(Emulation, CatchesBarrierDivergenceAndMisalignedVectors) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        DevBuf<float> y(128);
        iqnas_emu::faulty::divergent_barrier(y.get());
      },
      "barrier divergence");
  EXPECT_DEATH(
      {
        DevBuf<float> x(8);
        DevBuf<float> y(1);
        iqnas_emu::faulty::load4(x.get() + 1, y.get());
      },
      "misaligned float4");
}

TEST(Emulation, AMissingBarrierGivesWrongResults) {
  // Between barriers the threads of a block run one after another (in reverse under
  // IQNAS_EMU_REVERSE=1): a thread that reads what a later thread writes, with no barrier between,
  // reads a stale value, so half the results are wrong in either order.
  DevBuf<float> y(256);
  iqnas_emu::faulty::missing_barrier(y.get());
  const auto v = y.host();
  int right = 0;
  for (int i = 0; i < 256; ++i) right += v[size_t(i)] == float(256 - i);
  EXPECT_EQ(right, 128);
  const char* rev = std::getenv("IQNAS_EMU_REVERSE");
  EXPECT_EQ(v[rev && rev[0] == '1' ? 0 : 255], float(rev && rev[0] == '1' ? 256 : 1));
}

// ---- issue: host round trips ------------------------------------------------------------------
TEST(Emulation, FillsAndLossScalarsStayOnTheDevice) {
  const long long h2d = iqnas_emu::h2d_copies(), d2h = iqnas_emu::d2h_copies();
  Tensor z = Tensor::zeros({4, 5, 6}, Device::CUDA), f = Tensor::full({4, 5, 6}, 2.f, Device::CUDA);
  z.slice(1, 1, 2).fill_(3.f);
  EXPECT_EQ(iqnas_emu::h2d_copies(), h2d) << "Tensor::zeros/full/fill_ on CUDA copied from the host";
  EXPECT_EQ(iqnas_emu::d2h_copies(), d2h);

  Var logits(Tensor::from_vector({3, 4}, test::randn(12, 5), Device::CUDA), true);
  Var teacher(Tensor::from_vector({3, 4}, test::randn(12, 6), Device::CUDA));
  Var x(Tensor::from_vector({3, 4}, test::randn(12, 7), Device::CUDA), true);
  const long long before = iqnas_emu::d2h_copies();
  Var loss = add(add(cross_entropy(logits, {0, 3, 1}, 0.1f), kl_div(logits, teacher, 2.f)), sum(x));
  loss.backward();
  EXPECT_EQ(iqnas_emu::d2h_copies(), before) << "a loss or sum synchronised with the host";
}

// ---- issue: allocator misuse and exit ---------------------------------------------------------
TEST(Emulation, FreeingAForeignDevicePointerAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  float local = 0;
  EXPECT_DEATH(cuda::free(&local), "not a live block");
  EXPECT_DEATH(
      {
        void* p = cuda::alloc(64);
        cuda::free(p);
        cuda::free(p);
      },
      "not a live block");
}

TEST(Emulation, PinnedMemoryFreedAfterTheRuntimeUnloads) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // A loader destroyed after the runtime has unloaded: free_host must neither abort nor std::free
  // a cudaMallocHost block (the emulation's pinned blocks make std::free fail loudly).
  EXPECT_EXIT(
      {
        void* pinned = cuda::alloc_host(256);
        void* plain_after = nullptr;
        iqnas_emu::set_runtime_unloading();
        plain_after = cuda::alloc_host(64);  // falls back to plain memory
        cuda::free_host(pinned);
        cuda::free_host(plain_after);
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace iqnas
