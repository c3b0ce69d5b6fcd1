// Copies and fills of strided views (the Tensor's slices), shared by the CPU (kernels/cpu/copy.cpp)
// and CUDA (kernels/cuda/copy.cu) backends. Both pointers of a copy live on the twin's device.
#pragma once
#include <cstdint>

namespace iqnas {

constexpr int kMaxStridedDims = 6;

// An index space of `ndim` dims (0 for one element) walked row-major, with each side's element
// strides. The caller merges dims that are contiguous in both views first (nn/tensor.cpp).
struct StridedLayout {
  int ndim = 0;
  int64_t shape[kMaxStridedDims] = {};
  int64_t dst_stride[kMaxStridedDims] = {};
  int64_t src_stride[kMaxStridedDims] = {};
};

#define IQNAS_COPY_DECLS                                                    \
  /* dst[i] = src[i] for every index i of the layout */                     \
  void copy_strided(const StridedLayout& l, float* dst, const float* src); \
  /* dst[i] = value for every index i of the layout (src strides unused) */ \
  void fill_strided(const StridedLayout& l, float* dst, float value);

namespace cpu {
IQNAS_COPY_DECLS
}
namespace cuda {
IQNAS_COPY_DECLS
}
#undef IQNAS_COPY_DECLS

}  // namespace iqnas
