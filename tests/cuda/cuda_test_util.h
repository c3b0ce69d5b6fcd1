// Helpers for the CUDA-vs-CPU tests: random data, device buffers, and the error measure
//   err(a, ref) = max_i |a_i - ref_i| / (1 + max_i |ref_i|)
// which every tolerance in this folder refers to (see docs/cuda.md for the table).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "kernels/device.h"
#include "kernels/gemm.h"
#include "nn/tensor.h"
#include "tests/kernels/kernel_test_util.h"  // randn

namespace iqnas::test {

// Every GPU test starts with REQUIRE_GPU(). Without a usable device it skips, naming the CUDA
// error; with IQNAS_REQUIRE_GPU=1 (set by scripts/gpu-check.sh, where a skip would be lost coverage)
// it fails instead. It also turns TF32 off, whatever IQNAS_CUDA_TF32 says: the tolerances are fp32's.
inline bool gpu_required() {
  const char* e = std::getenv("IQNAS_REQUIRE_GPU");
  return e && e[0] == '1';
}
#define REQUIRE_GPU()                                                                             \
  do {                                                                                            \
    const std::string why_ = ::iqnas::cuda::unavailable_reason();                                 \
    if (!why_.empty()) {                                                                          \
      if (::iqnas::test::gpu_required()) FAIL() << "IQNAS_REQUIRE_GPU=1 but no usable GPU: " << why_; \
      GTEST_SKIP() << "no CUDA device: " << why_;                                                 \
    }                                                                                             \
    ::iqnas::cuda::set_tf32(false);                                                               \
  } while (0)

inline double err(const std::vector<float>& a, const std::vector<float>& ref) {
  EXPECT_EQ(a.size(), ref.size());
  double m = 0, e = 0;
  for (std::size_t i = 0; i < a.size() && i < ref.size(); ++i) {
    m = std::max(m, std::abs(double(ref[i])));
    const double d = std::abs(double(a[i]) - double(ref[i]));
    e = std::isnan(d) ? INFINITY : std::max(e, d);
  }
  return e / (1.0 + m);
}

// A device buffer of T holding a copy of host data (or n uninitialised elements).
template <typename T>
class DevBuf {
 public:
  explicit DevBuf(const std::vector<T>& h) : n_(h.size()), p_(static_cast<T*>(cuda::alloc(bytes()))) {
    if (n_) cuda::copy_h2d(p_, h.data(), bytes());
  }
  explicit DevBuf(std::size_t n) : n_(n), p_(static_cast<T*>(cuda::alloc(bytes()))) {}
  ~DevBuf() { cuda::free(p_); }
  DevBuf(const DevBuf&) = delete;
  DevBuf& operator=(const DevBuf&) = delete;
  T* get() const { return p_; }
  std::vector<T> host() const {
    std::vector<T> h(n_);
    if (n_) cuda::copy_d2h(h.data(), p_, bytes());  // synchronises the backend stream
    return h;
  }

 private:
  std::size_t bytes() const { return n_ * sizeof(T); }
  std::size_t n_;
  T* p_;
};

}  // namespace iqnas::test
