#include "nn/ops/device_index.h"

namespace iqnas::detail {

template <typename T>
DeviceIndex<T>::DeviceIndex(const std::vector<T>& v, Device device) {
  if (device == Device::CPU) return;
  const std::size_t bytes = v.size() * sizeof(T);
  void* p = cuda::alloc(bytes);
  buf_ = std::shared_ptr<void>(p, [](void* q) { cuda::free(q); });
  if (bytes) cuda::copy_h2d(p, v.data(), bytes);
}

template class DeviceIndex<int32_t>;
template class DeviceIndex<int64_t>;

}  // namespace iqnas::detail
