// Host index vectors (labels, row indices) for kernels on a device: the CUDA kernels take device
// pointers, so an op whose tensors live on the GPU uploads its host vector to a temporary device
// buffer first. On the CPU the host data is used directly (no copy).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/device.h"

namespace iqnas::detail {

// A device copy of a host vector when `device` is not the CPU (nothing on the CPU). Copies share
// the buffer: copy the object into a backward closure to keep the device data for the backward
// pass. `data(host)` is the pointer to hand to the kernel twin: host.data() on the CPU (`host`
// must be the vector it was made from), the device copy otherwise.
template <typename T>
class DeviceIndex {
 public:
  DeviceIndex(const std::vector<T>& v, Device device);
  const T* data(const std::vector<T>& host) const { return buf_ ? static_cast<const T*>(buf_.get()) : host.data(); }

 private:
  std::shared_ptr<void> buf_;  // device copy (null on the CPU)
};

extern template class DeviceIndex<int32_t>;
extern template class DeviceIndex<int64_t>;

}  // namespace iqnas::detail
