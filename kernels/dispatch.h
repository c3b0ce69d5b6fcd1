// Picks the CPU or CUDA twin of a kernel by device. Both twins share one signature, declared in the
// op family's header (kernels/<family>.h) in namespaces iqnas::cpu and iqnas::cuda.
#pragma once
#include "kernels/device.h"

#ifdef IQNAS_HAVE_CUDA
#define IQNAS_CUDA_CALL(fn, ...) ::iqnas::cuda::fn(__VA_ARGS__)
#else
#define IQNAS_CUDA_CALL(fn, ...) ::iqnas::no_cuda(#fn)
#endif

// For kernels that have both twins.
#define IQNAS_DISPATCH(dev, fn, ...) \
  ((dev) == ::iqnas::Device::CPU ? ::iqnas::cpu::fn(__VA_ARGS__) : IQNAS_CUDA_CALL(fn, __VA_ARGS__))

